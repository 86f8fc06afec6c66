from django.db import migrations

# Rule (audit): the lookup log is append-only at the database level. The trigger refuses
# UPDATE, DELETE and TRUNCATE for every role; the application's role additionally holds only
# SELECT and INSERT (audit/roles.py, applied after migrate).
#
# The one exception is an explicit retention operation by the table's owner, who sets
# contactpoint.audit_retention = 'on' for the session: it is written to the server log. The
# owner could disable the trigger anyway; tamper evidence against the owner is the job of
# sealing (issue 4), not of this trigger. The test database flushes tables this way.
TRIGGERS = """
CREATE FUNCTION cp_audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    owner_role oid := (SELECT relowner FROM pg_class WHERE oid = TG_RELID);
BEGIN
    IF current_setting('contactpoint.audit_retention', true) = 'on'
       AND pg_has_role(current_user, owner_role, 'USAGE') THEN
        RAISE LOG 'audit retention operation: % on % by %', TG_OP, TG_TABLE_NAME, current_user;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
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


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunSQL(TRIGGERS, REVERSE)]
