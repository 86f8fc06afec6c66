"""An index that lists an organisation's current involvements without touching the table.

Replaces ``involvement_scope`` (organisation, child WHERE ended_on IS NULL), whose partial
predicate no query on "active today" (ended_on IS NULL OR ended_on > today) can use.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("directory", "0004_search_name_keys")]

    operations = [
        migrations.AddIndex(
            model_name="involvement",
            index=models.Index(
                fields=["organisation", "ended_on", "started_on", "child"],
                name="involvement_org_active",
            ),
        ),
        migrations.RemoveIndex(model_name="involvement", name="involvement_scope"),
    ]
