"""Search at national scale: a dictionary of family-name keys, former surnames, btrees.

Fuzzy matching moves from 12 million children to the few hundred thousand distinct family
names (``directory_familynamekey``); the matched keys reach children through btrees. The
child-level trigram and phonetic indexes are dropped: nothing reads them any more, and the
trigram one was the slowest index to build and to keep up to date.
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import directory.models
from django.db import migrations, models

FORMER_KEYS_FUNCTION = """
CREATE FUNCTION cp_former_family_keys(names varchar[]) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN ARRAY(
    SELECT cp_name_key(substring(n FROM '([^[:space:]]+)[[:space:]]*$'))
    FROM unnest(names) AS n
    WHERE n IS NOT NULL AND n ~ '[^[:space:]]'
);
"""

# Statement-level triggers with transition tables: one INSERT ... SELECT DISTINCT per
# statement, so COPY and INSERT ... SELECT of millions of rows pay once, not per row.
KEY_TRIGGERS = """
CREATE FUNCTION cp_family_name_keys_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO directory_familynamekey (key)
    SELECT DISTINCT k
    FROM changed_rows c, unnest(array[c.family_key] || c.former_family_keys) AS k
    WHERE k IS NOT NULL AND k <> ''
    ON CONFLICT (key) DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER child_family_name_keys_insert
AFTER INSERT ON directory_child REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION cp_family_name_keys_add();

CREATE TRIGGER child_family_name_keys_update
AFTER UPDATE ON directory_child REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION cp_family_name_keys_add();

INSERT INTO directory_familynamekey (key)
SELECT DISTINCT k
FROM directory_child c, unnest(array[c.family_key] || c.former_family_keys) AS k
WHERE k IS NOT NULL AND k <> ''
ON CONFLICT (key) DO NOTHING;
"""

KEY_TRIGGERS_REVERSE = """
DROP TRIGGER child_family_name_keys_update ON directory_child;
DROP TRIGGER child_family_name_keys_insert ON directory_child;
DROP FUNCTION cp_family_name_keys_add();
"""


class Migration(migrations.Migration):
    dependencies = [("directory", "0003_organisation_manage_users")]

    operations = [
        migrations.RunSQL(FORMER_KEYS_FUNCTION, "DROP FUNCTION cp_former_family_keys(varchar[]);"),
        migrations.AddField(
            model_name="child",
            name="former_family_keys",
            field=models.GeneratedField(
                db_persist=True,
                expression=directory.models.FormerFamilyKeys(models.F("former_names")),
                output_field=django.contrib.postgres.fields.ArrayField(
                    base_field=models.TextField(), size=None
                ),
            ),
        ),
        migrations.CreateModel(
            name="FamilyNameKey",
            fields=[
                ("key", models.TextField(primary_key=True, serialize=False)),
                (
                    "phonetic",
                    models.GeneratedField(
                        db_persist=True,
                        expression=directory.models.DoubleMetaphone(models.F("key")),
                        output_field=models.TextField(),
                    ),
                ),
            ],
            options={
                "indexes": [
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["key"], name="familynamekey_trgm", opclasses=["gin_trgm_ops"]
                    ),
                    models.Index(fields=["phonetic"], name="familynamekey_phonetic"),
                ],
            },
        ),
        migrations.RunSQL(KEY_TRIGGERS, KEY_TRIGGERS_REVERSE),
        migrations.RemoveIndex(model_name="child", name="child_family_trgm"),
        migrations.RemoveIndex(model_name="child", name="child_family_phonetic"),
        migrations.RemoveIndex(model_name="child", name="child_la"),
        migrations.AddIndex(
            model_name="child",
            index=models.Index(fields=["local_authority", "family_key"], name="child_la_family"),
        ),
        migrations.AddIndex(
            model_name="child",
            index=models.Index(fields=["family_key"], name="child_family"),
        ),
        migrations.AddIndex(
            model_name="child",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("former_family_keys", []), _negated=True),
                fields=["former_family_keys"],
                name="child_former_family",
            ),
        ),
    ]
