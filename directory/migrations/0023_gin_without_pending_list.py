"""The child table's GIN indexes without a pending list (``fastupdate = off``).

Why: with a pending list, the rows a large feed adds wait unsorted until a vacuum merges
them, and every search reads the whole list: after a 500,000-row census at 12 million
children, searches with a date of birth took 30-45 ms instead of 6-8 until
``gin_clean_pending_list`` or a vacuum (session 12, docs/performance.md). Changing the
option is a catalogue update, not a rebuild, so the model's indexes are replaced in the
migration state only; a list already pending is merged by the next vacuum.
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.db import migrations, models

_INDEXES = ("child_former_family", "child_former_dated")


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0022_feedupload_sealed"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    [f"ALTER INDEX {name} SET (fastupdate = off)" for name in _INDEXES],
                    reverse_sql=[f"ALTER INDEX {name} RESET (fastupdate)" for name in _INDEXES],
                )
            ],
            state_operations=[
                migrations.RemoveIndex(model_name="child", name="child_former_family"),
                migrations.RemoveIndex(model_name="child", name="child_former_dated"),
                migrations.AddIndex(
                    model_name="child",
                    index=django.contrib.postgres.indexes.GinIndex(
                        condition=models.Q(("former_family_keys", []), _negated=True),
                        fastupdate=False,
                        fields=["former_family_keys"],
                        name="child_former_family",
                    ),
                ),
                migrations.AddIndex(
                    model_name="child",
                    index=django.contrib.postgres.indexes.GinIndex(
                        models.Func(
                            models.F("date_of_birth"),
                            models.F("former_family_keys"),
                            function="cp_dated_keys",
                            output_field=django.contrib.postgres.fields.ArrayField(
                                base_field=models.TextField(), size=None
                            ),
                        ),
                        condition=models.Q(("former_family_keys", []), _negated=True),
                        fastupdate=False,
                        name="child_former_dated",
                    ),
                ),
            ],
        )
    ]
