"""Drop three indexes of directory_child that no query uses (730 MB at 12 million children).

``public_id`` keeps its unique constraint under the same name (now declared in
``Meta.constraints``), but loses the LIKE-pattern copy Django adds to unique text columns;
``local_authority`` loses its own index and that index's LIKE copy, because
``child_la_family`` starts with the same column. Only indexes are dropped: the unique
constraint and the foreign key stay as they are, so the table is neither rescanned nor
re-indexed (the state operations tell Django what the model now says).
"""

import django.db.models.deletion
from django.db import migrations, models

import directory.public_ids

_UNUSED = (
    "directory_child_public_id_d8b0d09a_like",
    "directory_child_local_authority_id_943c0b8e",
    "directory_child_local_authority_id_943c0b8e_like",
)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0009_remove_involvement_child"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    [f'DROP INDEX IF EXISTS "{name}"' for name in _UNUSED],
                    reverse_sql=[
                        'CREATE INDEX IF NOT EXISTS "directory_child_public_id_d8b0d09a_like" '
                        'ON "directory_child" ("public_id" varchar_pattern_ops)',
                        'CREATE INDEX IF NOT EXISTS "directory_child_local_authority_id_943c0b8e" '
                        'ON "directory_child" ("local_authority_id")',
                        "CREATE INDEX IF NOT EXISTS "
                        '"directory_child_local_authority_id_943c0b8e_like" '
                        'ON "directory_child" ("local_authority_id" varchar_pattern_ops)',
                    ],
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="child",
                    name="local_authority",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="directory.localauthority",
                    ),
                ),
                migrations.AlterField(
                    model_name="child",
                    name="public_id",
                    field=models.CharField(
                        default=directory.public_ids.new_public_id, editable=False, max_length=32
                    ),
                ),
                migrations.AddConstraint(
                    model_name="child",
                    constraint=models.UniqueConstraint(
                        fields=("public_id",), name="directory_child_public_id_key"
                    ),
                ),
            ],
        ),
    ]
