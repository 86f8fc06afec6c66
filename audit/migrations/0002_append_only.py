from django.conf import settings
from django.db import migrations

# Rule (audit): the lookup log is append-only at the database level. The trigger refuses
# UPDATE, DELETE and TRUNCATE for every role, the table owner included; the application's
# role additionally holds only SELECT and INSERT (where that role exists).
TRIGGERS = """
CREATE FUNCTION cp_audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER accessevent_no_update_delete
BEFORE UPDATE OR DELETE ON audit_accessevent
FOR EACH ROW EXECUTE FUNCTION cp_audit_refuse_change();

CREATE TRIGGER accessevent_no_truncate
BEFORE TRUNCATE ON audit_accessevent
FOR EACH STATEMENT EXECUTE FUNCTION cp_audit_refuse_change();
"""

REVERSE = """
DROP TRIGGER accessevent_no_truncate ON audit_accessevent;
DROP TRIGGER accessevent_no_update_delete ON audit_accessevent;
DROP FUNCTION cp_audit_refuse_change();
"""


def restrict_app_role(apps, schema_editor):
    """Leave the application's role SELECT and INSERT only on the log."""
    role = settings.DATABASE_APP_ROLE
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            return
        quoted = schema_editor.quote_name(role)
        cursor.execute(f"REVOKE ALL ON audit_accessevent FROM {quoted}")
        cursor.execute(f"GRANT SELECT, INSERT ON audit_accessevent TO {quoted}")
        cursor.execute(f"GRANT USAGE ON SEQUENCE audit_accessevent_id_seq TO {quoted}")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunSQL(TRIGGERS, REVERSE),
        migrations.RunPython(restrict_app_role, migrations.RunPython.noop),
    ]
