"""Protection at rest (issue 15): a feed upload's bytes, kept only while the import waits or
runs, are stored sealed (``directory/sealing/blobs.py``). Seals any upload still waiting."""

from django.db import migrations, models


def seal_waiting(apps, schema_editor):
    from directory.sealing.blobs import blob_seal

    # The model's own file_seal would do, but a migration must not import today's models.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, data FROM directory_feedupload WHERE data IS NOT NULL")
        for pk, data in cursor.fetchall():
            sealed = blob_seal(bytes(data), table="directory_feedupload", field="data", row=pk)
            cursor.execute(
                "UPDATE directory_feedupload SET data = %s WHERE id = %s", [sealed, pk]
            )


class Migration(migrations.Migration):
    dependencies = [("directory", "0021_audit_key")]

    operations = [
        migrations.AlterField(
            model_name="feedupload",
            name="data",
            field=models.BinaryField(
                blank=True,
                editable=False,
                help_text="The file, sealed (directory/sealing/blobs.py); emptied once imported.",
                null=True,
            ),
        ),
        migrations.RunPython(seal_waiting, migrations.RunPython.noop, elidable=False),
    ]
