"""Children who have a former surname, by date of birth (3 % of children).

A search with a date of birth matched former surnames through the GIN index of all of them
(every child in England once called Smith) and then filtered by date; this finds the few
born that day first. Same predicate as child_former_family, which the search repeats.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("directory", "0007_child_family_id")]

    operations = [
        migrations.AddIndex(
            model_name="child",
            index=models.Index(
                condition=models.Q(("former_family_keys", []), _negated=True),
                fields=["date_of_birth"],
                name="child_dob_former",
            ),
        ),
    ]
