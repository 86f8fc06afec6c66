"""The admin change history (django-auditlog's table) becomes append-only, like the lookup log.

Rule (issue 14): who changed a reader's account must not be quietly edited. The same trigger
function as the lookup log's (``cp_audit_refuse_change``, migration 0002) refuses UPDATE,
DELETE and TRUNCATE for every role except an owner's explicit, server-logged retention
session; ``audit.roles`` revokes UPDATE, DELETE and TRUNCATE from the application's role
after each migrate. Against a superuser, each entry is sealed through its ``admin_change``
event (``audit.admin_history``).
"""

from django.db import migrations

FORWARD = """
CREATE TRIGGER logentry_no_update_delete
BEFORE UPDATE OR DELETE ON auditlog_logentry
FOR EACH ROW EXECUTE FUNCTION cp_audit_refuse_change();

CREATE TRIGGER logentry_no_truncate
BEFORE TRUNCATE ON auditlog_logentry
FOR EACH STATEMENT EXECUTE FUNCTION cp_audit_refuse_change();
"""

REVERSE = """
DROP TRIGGER logentry_no_truncate ON auditlog_logentry;
DROP TRIGGER logentry_no_update_delete ON auditlog_logentry;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0017_provisioning_owner_identity"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
