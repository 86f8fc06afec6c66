"""Signed tree heads, append-only like the events they seal.

A head that could be edited or deleted in place would let someone rewrite history and its
seal together; the same trigger as the events' (migration 0002) refuses it, and the witness
outside the database keeps a copy of every head.
"""

from django.db import migrations, models

TRIGGERS = """
CREATE TRIGGER treehead_no_update_delete
BEFORE UPDATE OR DELETE ON audit_treehead
FOR EACH ROW EXECUTE FUNCTION cp_audit_refuse_change();

CREATE TRIGGER treehead_no_truncate
BEFORE TRUNCATE ON audit_treehead
FOR EACH STATEMENT EXECUTE FUNCTION cp_audit_refuse_change();
"""

REVERSE = """
DROP TRIGGER treehead_no_truncate ON audit_treehead;
DROP TRIGGER treehead_no_update_delete ON audit_treehead;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_partition_accessevent")]

    operations = [
        migrations.CreateModel(
            name="TreeHead",
            fields=[
                ("tree_size", models.BigIntegerField(primary_key=True, serialize=False)),
                ("root_hash", models.BinaryField()),
                ("previous_tree_size", models.BigIntegerField()),
                ("previous_root_hash", models.BinaryField()),
                ("first_event_id", models.BigIntegerField()),
                ("last_event_id", models.BigIntegerField()),
                (
                    "sealed_through_id",
                    models.BigIntegerField(
                        help_text="Every event id up to this one is in this or an earlier "
                        "head, or never was."
                    ),
                ),
                ("sealed_at", models.DateTimeField()),
                ("key_id", models.CharField(max_length=16)),
                ("signature", models.BinaryField()),
                ("frontier", models.BinaryField()),
                ("event_ids", models.BinaryField()),
                ("leaf_hashes", models.BinaryField()),
            ],
        ),
        migrations.RunSQL(TRIGGERS, REVERSE),
    ]
