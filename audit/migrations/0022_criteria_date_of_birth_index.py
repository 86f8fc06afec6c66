"""An index on the date of birth typed in a search, for retention's forgetting.

When a child's record is destroyed, the searches that typed their family name and date of
birth but found nobody (``audit.selectors.access_event_ids_searching_for``) must forget their
criteria too; nothing else links them to the child. Partial (only events whose criteria hold
a date) and on the partitioned parent, so every month's partition gets its own.
"""

from django.db import migrations

FORWARD = """
CREATE INDEX audit_event_criteria_dob ON audit_accessevent ((criteria ->> 'date_of_birth'))
WHERE (criteria ->> 'date_of_birth') IS NOT NULL;
"""

REVERSE = "DROP INDEX audit_event_criteria_dob;"


class Migration(migrations.Migration):
    dependencies = [("audit", "0021_labels_after_merges")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
