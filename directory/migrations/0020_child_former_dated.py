"""Children with a former surname, indexed by (date of birth, former surname) pairs.

Why (issue 11, 12M latency; issue 12, feed throughput): the matcher's former-name block
asks for a former surname like the one typed *and* a date of birth near the one typed.
Neither existing index answers both: the GIN of former surnames returned every child in
England once called Smith (4,224 rows at 12 million children, then filtered by date: 70 of
the 90 ms of a search), and the date index every child with any former name born on any of
sixty dates. This GIN holds each child's pairs, so the block looks up exactly the pairs it
wants. ``cp_dated_keys`` is the one definition of a pair; the search builds the pairs it
wants with the same function (``cp_dated_keys_any``), so the two sides cannot drift apart.
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.db.models.expressions
from django.db import migrations, models

FUNCTIONS = """
CREATE FUNCTION cp_dated_keys(born date, keys text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN ARRAY(SELECT (born - DATE '2000-01-01')::text || ':' || k FROM unnest(keys) AS k);

CREATE FUNCTION cp_dated_keys_any(dates date[], keys text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN ARRAY(SELECT unnest(cp_dated_keys(d, keys)) FROM unnest(dates) AS d);
"""


class Migration(migrations.Migration):
    dependencies = [("directory", "0019_sealing")]

    operations = [
        migrations.RunSQL(
            FUNCTIONS,
            "DROP FUNCTION cp_dated_keys_any(date[], text[]); "
            "DROP FUNCTION cp_dated_keys(date, text[]);",
        ),
        migrations.RemoveIndex(model_name="child", name="child_dob_former"),
        migrations.AddIndex(
            model_name="child",
            index=django.contrib.postgres.indexes.GinIndex(
                django.db.models.expressions.Func(
                    models.F("date_of_birth"),
                    models.F("former_family_keys"),
                    function="cp_dated_keys",
                    output_field=django.contrib.postgres.fields.ArrayField(
                        base_field=models.TextField()
                    ),
                ),
                condition=models.Q(("former_family_keys", []), _negated=True),
                name="child_former_dated",
            ),
        ),
    ]
