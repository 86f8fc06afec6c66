"""An alert may be about the service rather than a person (issue 20): sealing or misuse review
that has stopped keeping up is told to the auditors through the same queue."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0023_contact_requests"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="alert",
            name="subject",
            field=models.ForeignKey(
                blank=True,
                help_text="The person the alert is about; empty when it is about the service.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="alerts_about",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
