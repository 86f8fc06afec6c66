"""Protection at rest (issue 15): an access request's criteria — the search that found nobody,
often a postcode typed for a shielded child — sealed whole like the directory's addresses.
Seals every existing request from its plaintext column (``directory/sealing/backfill.py``, which
needs the key-encryption key), then drops that column.
"""

from django.db import migrations, models


def seal_existing(apps, schema_editor):
    from directory.sealing.backfill import access_requests_seal

    access_requests_seal(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0014_contact_requests"),
        ("directory", "0021_audit_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="accessrequest",
            name="criteria_sealed",
            field=models.BinaryField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="accessrequest",
            name="sealed_with",
            field=models.IntegerField(
                blank=True,
                editable=False,
                help_text="The data key this row is sealed under.",
                null=True,
            ),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop, elidable=False),
        migrations.RemoveField(model_name="accessrequest", name="criteria"),
    ]
