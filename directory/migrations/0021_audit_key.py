"""A data key for the audit log's criteria (issue 15): a postcode typed into a search is stored
sealed (``audit/sealed_criteria.py``). The key is made here, not on first use, because the
first use may be an event written in a transaction of its own (``access_event_record_now``)
while the request's transaction, in which the key would be made, later rolls back: the event
would then name a key that does not exist. Needs the key-encryption key, as 0019 did.
"""

from django.db import migrations, models


def audit_key_create(apps, schema_editor):
    from directory.sealing import keyring

    keyring.key_create(keyring.AUDIT)


class Migration(migrations.Migration):
    dependencies = [("directory", "0020_child_former_dated")]

    operations = [
        migrations.AlterField(
            model_name="datakey",
            name="purpose",
            field=models.CharField(
                choices=[("field", "Field"), ("index", "Index"), ("audit", "Audit")], max_length=8
            ),
        ),
        migrations.RunPython(audit_key_create, migrations.RunPython.noop, elidable=False),
    ]
