"""The sealer's lock, and the writing of heads, only for the sealer (issue 14, finding 4).

The sealer used a PostgreSQL advisory lock, which any role can take: the application's role
could hold it and stall sealing, and could insert (or hold uncommitted) a head row of the next
tree size so that the sealer's own insert waited behind it. The sealer runs as that same role,
so the database cannot tell them apart by role; it tells them apart by a secret. The secret
(``audit_seallock.secret``, derived from the signing key, written by ``migrate`` as the owner,
see ``audit.sealing.seal_lock``) sits in a table the application's role may not read. To take the lock
or write a head, a caller sends SHA-256(secret ‖ its own transaction id): only the sealer can
compute it, and it is worth nothing in any other transaction, so a value glimpsed in
``pg_stat_activity`` cannot be replayed. The lock is a row lock on that owner-only table,
which the application's role cannot take or block any other way.
"""

from django.db import migrations

FORWARD = """
CREATE TABLE audit_seallock (
    id smallint PRIMARY KEY CHECK (id = 1),
    secret bytea NOT NULL CHECK (length(secret) = 32)
);

CREATE FUNCTION cp_audit_sealer_check(response bytea) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    expected bytea;
BEGIN
    SELECT sha256(secret || convert_to(pg_current_xact_id()::text, 'UTF8')) INTO expected
    FROM public.audit_seallock WHERE id = 1;
    IF expected IS NULL THEN
        RAISE EXCEPTION 'the audit sealer''s secret is not registered: run migrate as the owner'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF response IS DISTINCT FROM expected THEN
        RAISE LOG 'cp_audit: refused the sealer''s lock or a head to % (pid %)',
            session_user, pg_backend_pid();
        RAISE EXCEPTION 'only the audit sealer may do this'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END $$;

CREATE FUNCTION cp_audit_seal_lock(response bytea) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM public.cp_audit_sealer_check(response);
    PERFORM 1 FROM public.audit_seallock WHERE id = 1 FOR UPDATE SKIP LOCKED;
    RETURN FOUND;
END $$;

CREATE FUNCTION cp_audit_head_insert(
    response bytea, p_tree_size bigint, p_root_hash bytea, p_previous_tree_size bigint,
    p_previous_root_hash bytea, p_first_event_id bigint, p_last_event_id bigint,
    p_sealed_through_id bigint, p_sealed_at timestamptz, p_key_id varchar,
    p_signature bytea, p_frontier bytea, p_event_ids bytea, p_leaf_hashes bytea
) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM public.cp_audit_sealer_check(response);
    -- Ours already, or nobody's: a head is written only under the lock.
    PERFORM 1 FROM public.audit_seallock WHERE id = 1 FOR UPDATE NOWAIT;
    INSERT INTO public.audit_treehead (
        tree_size, root_hash, previous_tree_size, previous_root_hash, first_event_id,
        last_event_id, sealed_through_id, sealed_at, key_id, signature, frontier, event_ids,
        leaf_hashes
    ) VALUES (
        p_tree_size, p_root_hash, p_previous_tree_size, p_previous_root_hash,
        p_first_event_id, p_last_event_id, p_sealed_through_id, p_sealed_at, p_key_id,
        p_signature, p_frontier, p_event_ids, p_leaf_hashes
    );
END $$;

REVOKE ALL ON FUNCTION cp_audit_sealer_check(bytea) FROM PUBLIC;
REVOKE ALL ON FUNCTION cp_audit_seal_lock(bytea) FROM PUBLIC;
REVOKE ALL ON FUNCTION cp_audit_head_insert(
    bytea, bigint, bytea, bigint, bytea, bigint, bigint, bigint, timestamptz, varchar, bytea,
    bytea, bytea, bytea
) FROM PUBLIC;
"""

REVERSE = """
DROP FUNCTION cp_audit_head_insert(
    bytea, bigint, bytea, bigint, bytea, bigint, bigint, bigint, timestamptz, varchar, bytea,
    bytea, bytea, bytea
);
DROP FUNCTION cp_audit_seal_lock(bytea);
DROP FUNCTION cp_audit_sealer_check(bytea);
DROP TABLE audit_seallock;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_activityday_directory_searches")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
