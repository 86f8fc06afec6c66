"""The matcher's data: family-name frequencies, first-letter slips, estimated u probabilities.

``cp_family_key_frequencies_refresh()`` counts, in one pass, how many active children carry
each family-name key (current or former) and writes the counts that changed; the matcher
reads them for its term-frequency adjustment. It runs after bulk loads (``seed_demo``,
``bench/world_build.py``), nightly from beat, and from ``estimate_match_weights``.
Two immutable comparators serve the matcher's levels of agreement (``access/gateway/
matcher.py``).
"""

import django.db.models.functions.text
from django.db import migrations, models

FREQUENCIES_REFRESH = """
CREATE FUNCTION cp_family_key_frequencies_refresh() RETURNS bigint
LANGUAGE sql VOLATILE AS $$
    WITH counted AS (
        SELECT k AS key, count(*)::integer AS n
        FROM directory_child c, unnest(array[c.family_key] || c.former_family_keys) AS k
        WHERE c.status = 'active' AND k <> ''
        GROUP BY k
    ), changed AS (
        UPDATE directory_familynamekey f
        SET children = coalesce(counted.n, 0)
        FROM directory_familynamekey f2 LEFT JOIN counted ON counted.key = f2.key
        WHERE f.key = f2.key AND f.children IS DISTINCT FROM coalesce(counted.n, 0)
        RETURNING 1
    )
    SELECT count(*) FROM changed
$$;
SELECT cp_family_key_frequencies_refresh();
"""

# Comparators the matcher's levels use: the strings a name or a date (as 8 digits) becomes
# when two adjacent characters are swapped, and the keys of each part of a name (Smith-Jones: smith, jones).
COMPARATORS = """
CREATE FUNCTION cp_transpositions(s text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN ARRAY(
    SELECT overlay(s PLACING substr(s, i + 1, 1) || substr(s, i, 1) FROM i FOR 2)
    FROM generate_series(1, length(s) - 1) AS i
    WHERE substr(s, i, 1) <> substr(s, i + 1, 1)
);

CREATE FUNCTION cp_name_parts(n text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN ARRAY(
    SELECT k FROM (
        SELECT cp_name_key(p) AS k FROM regexp_split_to_table(n, '[[:space:]-]+') AS p
    ) AS parts
    WHERE k <> ''
);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0010_child_drop_unused_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="MatchWeights",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("estimated_at", models.DateTimeField(auto_now_add=True)),
                (
                    "pairs",
                    models.PositiveIntegerField(help_text="Random pairs of children compared."),
                ),
                (
                    "u",
                    models.JSONField(
                        help_text="Per field, the share of random pairs at each level."
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "match weights",
                "ordering": ["-estimated_at"],
            },
        ),
        migrations.AddField(
            model_name="familynamekey",
            name="children",
            field=models.IntegerField(db_default=0),
        ),
        migrations.AddIndex(
            model_name="familynamekey",
            index=models.Index(
                django.db.models.functions.text.Substr("key", 2), name="familynamekey_tail"
            ),
        ),
        migrations.RunSQL(
            COMPARATORS,
            "DROP FUNCTION cp_name_parts(text); DROP FUNCTION cp_transpositions(text);",
        ),
        migrations.RunSQL(
            FREQUENCIES_REFRESH, "DROP FUNCTION cp_family_key_frequencies_refresh();"
        ),
    ]
