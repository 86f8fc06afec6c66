"""Drop ``involvement_child``: the foreign key's own index covers the same column.

Two identical 551 MB indexes at 12 million children: one more to build, write and cache.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("directory", "0008_child_dob_former")]

    operations = [migrations.RemoveIndex(model_name="involvement", name="involvement_child")]
