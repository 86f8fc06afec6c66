"""Family-name keys by first letter and length, for the edit-distance half of typo matching.

Without it, "same first letter" was answered from the trigram index (LIKE 'f%'), which
returns every key with that letter for a levenshtein() each: milliseconds, not microseconds.
"""

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("directory", "0005_involvement_org_active")]

    operations = [
        migrations.AddIndex(
            model_name="familynamekey",
            index=models.Index(
                django.db.models.functions.text.Left("key", 1),
                django.db.models.functions.text.Length("key"),
                models.F("key"),
                name="familynamekey_shape",
            ),
        ),
    ]
