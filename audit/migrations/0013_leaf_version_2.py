"""Leaf version 2: the sealed log can forget personal data without breaking its seal (issue 13).

Rule (retention): a child's names, date of birth and postcode, typed into a search, must be
erasable when the child's record is destroyed, yet every sealed event must keep verifying. So
an event of version 2 seals ``personal_digest`` = SHA-256(``personal_salt`` ‖ canonical
{criteria, reason}) in place of its criteria and reason (``audit/sealing/canonical.py``). Forgetting
empties criteria and reason and deletes the salt: the leaf is unchanged, and without the salt
the digest says nothing about what was typed.

Existing rows keep ``leaf_version`` 1 (the column's default, so no row is rewritten and old
signed heads keep verifying); they cannot be forgotten (docs/audit.md, *Forgetting*).

On the partitioned table, ADD COLUMN reaches every partition, and a constant default adds no
rewrite. No CHECK constraint: ``cp_audit_partitions_ensure`` creates months with ``LIKE …
INCLUDING DEFAULTS``, and ATTACH PARTITION refuses a table missing a parent's CHECK; the
verifier reads ``leaf_version`` and rejects what does not add up instead.

The append-only trigger gains one exception: with ``contactpoint.audit_forget`` on (set,
transaction-locally, by ``cp_audit_forget`` around its one UPDATE), the owner may make exactly
the forgetting change to a version-2 row, and each row so changed is written to the server log.
"""

from django.db import migrations, models

FORWARD = r"""
CREATE OR REPLACE FUNCTION cp_audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    owner_role oid := (SELECT relowner FROM pg_class WHERE oid = TG_RELID);
BEGIN
    IF current_setting('contactpoint.audit_retention', true) = 'on'
       AND pg_has_role(current_user, owner_role, 'USAGE') THEN
        RAISE LOG 'audit retention operation: % on % by %', TG_OP, TG_TABLE_NAME, current_user;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    -- Forgetting (leaf version 2 only): criteria and reason emptied, the salt deleted, and
    -- not one other column changed. Through jsonb so that the same function still guards
    -- audit_treehead, whose rows have none of these columns.
    IF TG_OP = 'UPDATE' AND TG_LEVEL = 'ROW'
       AND current_setting('contactpoint.audit_forget', true) = 'on'
       AND pg_has_role(current_user, owner_role, 'USAGE')
       AND to_jsonb(OLD) ->> 'leaf_version' = '2'
       AND to_jsonb(NEW) = to_jsonb(OLD)
           || '{"criteria": {}, "reason": "", "personal_salt": null}'::jsonb THEN
        RAISE LOG 'audit forgetting: personal data of event % on % by % (session %)',
            to_jsonb(OLD) ->> 'id', TG_TABLE_NAME, current_user, session_user;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE FUNCTION cp_audit_forget(event_ids bigint[])
RETURNS TABLE (forgotten bigint, kept_version_1 bigint)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    before text := coalesce(current_setting('contactpoint.audit_forget', true), '');
BEGIN
    -- Transaction-local, and put back before returning (a failure rolls it back with the
    -- transaction or savepoint). A SET clause on the function would need a superuser: since
    -- PostgreSQL 15 only they may attach an unregistered setting to a function.
    PERFORM set_config('contactpoint.audit_forget', 'on', true);
    UPDATE public.audit_accessevent
    SET criteria = '{}'::jsonb, reason = '', personal_salt = NULL
    WHERE id = ANY(event_ids) AND leaf_version = 2 AND personal_salt IS NOT NULL;
    GET DIAGNOSTICS forgotten = ROW_COUNT;
    PERFORM set_config('contactpoint.audit_forget', before, true);
    SELECT count(*) INTO kept_version_1
    FROM public.audit_accessevent WHERE id = ANY(event_ids) AND leaf_version = 1;
    RAISE LOG 'cp_audit_forget: % events forgotten, % of version 1 kept, for % (pid %)',
        forgotten, kept_version_1, session_user, pg_backend_pid();
    RETURN NEXT;
END $$;

REVOKE ALL ON FUNCTION cp_audit_forget(bigint[]) FROM PUBLIC;
"""

REVERSE = r"""
DROP FUNCTION cp_audit_forget(bigint[]);

CREATE OR REPLACE FUNCTION cp_audit_refuse_change() RETURNS trigger
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
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0012_retention_actions")]

    operations = [
        migrations.AddField(
            model_name="accessevent",
            name="leaf_version",
            field=models.SmallIntegerField(db_default=1, editable=False),
        ),
        migrations.AddField(
            model_name="accessevent",
            name="personal_salt",
            field=models.BinaryField(null=True),
        ),
        migrations.AddField(
            model_name="accessevent",
            name="personal_digest",
            field=models.BinaryField(null=True),
        ),
        migrations.RunSQL(FORWARD, REVERSE),
    ]
