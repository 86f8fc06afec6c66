"""The matcher's blocks read the child table's indexes alone.

- child_family_id (family key, id) becomes child_family_given (family key, given key, id):
  the "same family name, close given name" block tests the given name of every child with
  a matching family name from the index instead of reading each row (2,400 heap reads for
  King and Edwards at 500,000 children). The scope narrowing reads it as it read the old.
- child_dob_family (date of birth, family key) becomes child_dob_names (date of birth,
  family key, given key, id): the date blocks (a family name like the one typed; or a close
  given name whatever the family name, for a family name replaced by another) test names
  from the index; without the given key, the second read every child born that day.

Each new index is built before the old one is dropped, so a search always has one.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0011_match_weights"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="child",
            index=models.Index(
                fields=["family_key", "given_key", "id"], name="child_family_given"
            ),
        ),
        migrations.RemoveIndex(model_name="child", name="child_family_id"),
        migrations.AddIndex(
            model_name="child",
            index=models.Index(
                fields=["date_of_birth", "family_key", "given_key", "id"], name="child_dob_names"
            ),
        ),
        migrations.RemoveIndex(model_name="child", name="child_dob_family"),
    ]
