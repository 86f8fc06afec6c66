"""(family_key, id) instead of (family_key): a practitioner's search joins the children with
a matching name to the organisation's involvements by id, and can now do it from the two
indexes alone, without reading a child's row until it is known to be a result."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("directory", "0006_familynamekey_shape")]

    operations = [
        migrations.AddIndex(
            model_name="child",
            index=models.Index(fields=["family_key", "id"], name="child_family_id"),
        ),
        migrations.RemoveIndex(model_name="child", name="child_family"),
    ]
