"""Protection at rest (issue 15): children's and carers' addresses and contacts sealed.

Adds the data keys, the sealed columns and the postcode blind index; seals every existing
child, carer and held feed row from its plaintext columns (``directory/sealing/backfill.py``, which needs the
key-encryption key), then drops the plaintext columns.
"""

from django.db import migrations, models


def seal_existing(apps, schema_editor):
    from directory.sealing.backfill import carers_seal, children_seal, feed_reviews_seal

    children_seal(schema_editor.connection)
    carers_seal(schema_editor.connection)
    feed_reviews_seal(schema_editor.connection)


def _sealed_field():
    return models.BinaryField(blank=True, editable=False, null=True)


class Migration(migrations.Migration):
    dependencies = [("directory", "0018_corrections")]

    operations = [
        migrations.CreateModel(
            name="DataKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("purpose", models.CharField(choices=[("field", "Field"), ("index", "Index")], max_length=8)),
                ("kek_id", models.CharField(help_text="The key-encryption key that wraps it.", max_length=64)),
                ("wrapped", models.BinaryField()),
                ("created_at", models.DateTimeField()),
                ("retired_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        *[
            migrations.AddField(model_name="child", name=f"{name}_sealed", field=_sealed_field())
            for name in ("address_line_1", "address_line_2", "town", "postcode")
        ],
        *[
            migrations.AddField(model_name="carer", name=f"{name}_sealed", field=_sealed_field())
            for name in ("phone", "email", "address")
        ],
        migrations.AddField(model_name="feedreview", name="record_sealed", field=_sealed_field()),
        *[
            migrations.AddField(
                model_name=model,
                name="sealed_with",
                field=models.IntegerField(blank=True, editable=False, null=True, help_text="The data key this row is sealed under."),
            )
            for model in ("child", "carer", "feedreview")
        ],
        migrations.AddField(model_name="child", name="postcode_index", field=models.BigIntegerField(blank=True, editable=False, null=True)),
        migrations.AddField(model_name="child", name="outward_index", field=models.BigIntegerField(blank=True, editable=False, null=True)),
        migrations.RemoveIndex(model_name="child", name="child_postcode"),
        migrations.RunPython(seal_existing, migrations.RunPython.noop, elidable=False),
        *[
            migrations.RemoveField(model_name="child", name=name)
            for name in ("address_line_1", "address_line_2", "town", "postcode")
        ],
        *[migrations.RemoveField(model_name="carer", name=name) for name in ("phone", "email", "address")],
        migrations.RemoveField(model_name="feedreview", name="record"),
        migrations.AddIndex(model_name="child", index=models.Index(fields=["postcode_index"], name="child_postcode")),
        migrations.AddIndex(model_name="child", index=models.Index(fields=["outward_index"], name="child_outward")),
    ]
