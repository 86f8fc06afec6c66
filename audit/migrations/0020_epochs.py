"""Epochs: the log can be re-rooted so that events of leaf version 1 can be forgotten (issue 13).

Rule (retention): an event written before migration 0013 seals its criteria and reason in its
leaf, so forgetting them would break every head after it. Re-rooting (``audit.sealing.reroot``) gives
each such event a salt and digest, makes it version 2, and seals all events again in a fresh
tree, the next *epoch*, joined to the old one by a signed transition head. This migration:

- names a head by (epoch, tree size): the new tree's first heads have the old ones' sizes.
  Existing heads are epoch 1; their signed bytes do not change (``audit/sealing/heads.py``);
- adds ``audit_transitionhead``, append-only like the heads, written by the owner only;
- lets ``cp_audit_head_insert`` (still the sealer's alone, migration 0008) take the epoch, and
  refuse a head for an epoch that has ended;
- adds ``cp_audit_reencode``, owner only and only with the sealer's proof and lock (so never
  beside a sealing round), and the trigger's third exception: with
  ``contactpoint.audit_reroot`` on (set by that function around its one UPDATE), the owner may
  change a row of leaf version 1 in exactly one way — ``leaf_version`` to 2, a 32-byte salt and
  digest where there were none, every other column as it was.

The function reads the salts and digests from a temporary table the caller fills with COPY, and
writes one server-log line per call (how many events, first and last id), not one per row: a
LOG message carries its whole statement into the server log, and a statement holding 5,000
salts and digests, logged once per row, filled a disk.
"""

from django.db import migrations, models

TREEHEAD_KEY = """
ALTER TABLE audit_treehead ADD COLUMN epoch integer NOT NULL DEFAULT 1;
ALTER TABLE audit_treehead DROP CONSTRAINT audit_treehead_pkey;
ALTER TABLE audit_treehead ADD PRIMARY KEY (epoch, tree_size);
"""

TREEHEAD_KEY_REVERSE = """
ALTER TABLE audit_treehead DROP CONSTRAINT audit_treehead_pkey;
ALTER TABLE audit_treehead ADD PRIMARY KEY (tree_size);
ALTER TABLE audit_treehead DROP COLUMN epoch;
"""

TRANSITION_TRIGGERS = """
CREATE TRIGGER transitionhead_no_update_delete
BEFORE UPDATE OR DELETE ON audit_transitionhead
FOR EACH ROW EXECUTE FUNCTION cp_audit_refuse_change();

CREATE TRIGGER transitionhead_no_truncate
BEFORE TRUNCATE ON audit_transitionhead
FOR EACH STATEMENT EXECUTE FUNCTION cp_audit_refuse_change();
"""

TRANSITION_TRIGGERS_REVERSE = """
DROP TRIGGER transitionhead_no_truncate ON audit_transitionhead;
DROP TRIGGER transitionhead_no_update_delete ON audit_transitionhead;
"""

_RETENTION_AND_FORGETTING = r"""
    IF current_setting('contactpoint.audit_retention', true) = 'on'
       AND pg_has_role(current_user, owner_role, 'USAGE') THEN
        RAISE LOG 'audit retention operation: % on % by %', TG_OP, TG_TABLE_NAME, current_user;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    -- Forgetting (leaf version 2 only): criteria and reason emptied, the salt deleted, and
    -- not one other column changed. Through jsonb so that the same function still guards
    -- audit_treehead, whose rows have none of these columns. Not logged row by row: each log
    -- line carries its whole statement (up to 5,000 ids from cp_audit_forget, ~40 KB), which
    -- would fill a disk at national scale; cp_audit_forget logs once per call instead.
    IF TG_OP = 'UPDATE' AND TG_LEVEL = 'ROW'
       AND current_setting('contactpoint.audit_forget', true) = 'on'
       AND pg_has_role(current_user, owner_role, 'USAGE')
       AND to_jsonb(OLD) ->> 'leaf_version' = '2'
       AND to_jsonb(NEW) = to_jsonb(OLD)
           || '{"criteria": {}, "reason": "", "personal_salt": null}'::jsonb THEN
        RETURN NEW;
    END IF;
"""

_REFUSE = r"""
    RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;
"""

_HEADER = r"""
CREATE OR REPLACE FUNCTION cp_audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    owner_role oid := (SELECT relowner FROM pg_class WHERE oid = TG_RELID);
BEGIN
"""

_REENCODING = r"""
    -- Re-rooting (leaf version 1 only): version 2, a salt and a digest where there were none
    -- (32 bytes each, as bytea's hex text), and not one other column changed.
    IF TG_OP = 'UPDATE' AND TG_LEVEL = 'ROW'
       AND current_setting('contactpoint.audit_reroot', true) = 'on'
       AND pg_has_role(current_user, owner_role, 'USAGE')
       AND to_jsonb(OLD) ->> 'leaf_version' = '1'
       AND to_jsonb(OLD) ->> 'personal_salt' IS NULL
       AND to_jsonb(OLD) ->> 'personal_digest' IS NULL
       AND to_jsonb(NEW) ->> 'personal_salt' ~ '^\\x[0-9a-f]{64}$'
       AND to_jsonb(NEW) ->> 'personal_digest' ~ '^\\x[0-9a-f]{64}$'
       AND to_jsonb(NEW) = to_jsonb(OLD) || jsonb_build_object(
           'leaf_version', 2,
           'personal_salt', to_jsonb(NEW) -> 'personal_salt',
           'personal_digest', to_jsonb(NEW) -> 'personal_digest') THEN
        RETURN NEW;
    END IF;
"""

FUNCTIONS = (
    _HEADER
    + _RETENTION_AND_FORGETTING
    + _REENCODING
    + _REFUSE
    + r"""
CREATE FUNCTION cp_audit_reencode(response bytea) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    before text := coalesce(current_setting('contactpoint.audit_reroot', true), '');
    changed bigint;
    first_id bigint;
    last_id bigint;
BEGIN
    -- Only the holder of the signing key, and only under the sealer's lock: never beside a
    -- sealing round, which would seal the rows half re-encoded.
    PERFORM public.cp_audit_sealer_check(response);
    PERFORM 1 FROM public.audit_seallock WHERE id = 1 FOR UPDATE NOWAIT;
    PERFORM set_config('contactpoint.audit_reroot', 'on', true);
    WITH reencoded AS (
        UPDATE public.audit_accessevent AS e
        SET leaf_version = 2, personal_salt = n.salt, personal_digest = n.digest
        FROM pg_temp.cp_audit_reencode_batch AS n
        WHERE e.id = n.id AND e.leaf_version = 1
        RETURNING e.id
    )
    SELECT count(*), min(id), max(id) INTO changed, first_id, last_id FROM reencoded;
    PERFORM set_config('contactpoint.audit_reroot', before, true);
    RAISE LOG 'cp_audit_reencode: % events (ids % to %) made leaf version 2 by % (pid %)',
        changed, first_id, last_id, session_user, pg_backend_pid();
    RETURN changed;
END $$;

REVOKE ALL ON FUNCTION cp_audit_reencode(bytea) FROM PUBLIC;

DROP FUNCTION cp_audit_head_insert(
    bytea, bigint, bytea, bigint, bytea, bigint, bigint, bigint, timestamptz, varchar, bytea,
    bytea, bytea, bytea
);

CREATE FUNCTION cp_audit_head_insert(
    response bytea, p_epoch integer, p_tree_size bigint, p_root_hash bytea,
    p_previous_tree_size bigint, p_previous_root_hash bytea, p_first_event_id bigint,
    p_last_event_id bigint, p_sealed_through_id bigint, p_sealed_at timestamptz,
    p_key_id varchar, p_signature bytea, p_frontier bytea, p_event_ids bytea,
    p_leaf_hashes bytea
) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    current_epoch integer;
BEGIN
    PERFORM public.cp_audit_sealer_check(response);
    -- Ours already, or nobody's: a head is written only under the lock.
    PERFORM 1 FROM public.audit_seallock WHERE id = 1 FOR UPDATE NOWAIT;
    SELECT coalesce(max(epoch), 1) INTO current_epoch FROM public.audit_treehead;
    IF p_epoch NOT IN (current_epoch, current_epoch + 1) THEN
        RAISE EXCEPTION 'no head may be written to epoch % while epoch % is current',
            p_epoch, current_epoch USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO public.audit_treehead (
        epoch, tree_size, root_hash, previous_tree_size, previous_root_hash, first_event_id,
        last_event_id, sealed_through_id, sealed_at, key_id, signature, frontier, event_ids,
        leaf_hashes
    ) VALUES (
        p_epoch, p_tree_size, p_root_hash, p_previous_tree_size, p_previous_root_hash,
        p_first_event_id, p_last_event_id, p_sealed_through_id, p_sealed_at, p_key_id,
        p_signature, p_frontier, p_event_ids, p_leaf_hashes
    );
END $$;

REVOKE ALL ON FUNCTION cp_audit_head_insert(
    bytea, integer, bigint, bytea, bigint, bytea, bigint, bigint, bigint, timestamptz, varchar,
    bytea, bytea, bytea, bytea
) FROM PUBLIC;
"""
)

FUNCTIONS_REVERSE = (
    r"""
DROP FUNCTION cp_audit_head_insert(
    bytea, integer, bigint, bytea, bigint, bytea, bigint, bigint, bigint, timestamptz, varchar,
    bytea, bytea, bytea, bytea
);

CREATE FUNCTION cp_audit_head_insert(
    response bytea, p_tree_size bigint, p_root_hash bytea, p_previous_tree_size bigint,
    p_previous_root_hash bytea, p_first_event_id bigint, p_last_event_id bigint,
    p_sealed_through_id bigint, p_sealed_at timestamptz, p_key_id varchar,
    p_signature bytea, p_frontier bytea, p_event_ids bytea, p_leaf_hashes bytea
) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM public.cp_audit_sealer_check(response);
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

REVOKE ALL ON FUNCTION cp_audit_head_insert(
    bytea, bigint, bytea, bigint, bytea, bigint, bigint, bigint, timestamptz, varchar, bytea,
    bytea, bytea, bytea
) FROM PUBLIC;

DROP FUNCTION cp_audit_reencode(bytea);
"""
    + _HEADER
    + _RETENTION_AND_FORGETTING
    + _REFUSE
)


class Migration(migrations.Migration):
    dependencies = [("audit", "0018_admin_history_append_only")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(TREEHEAD_KEY, TREEHEAD_KEY_REVERSE)],
            state_operations=[
                migrations.AddField(
                    model_name="treehead",
                    name="epoch",
                    field=models.IntegerField(db_default=1),
                ),
                migrations.AddField(
                    model_name="treehead",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "epoch",
                        "tree_size",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                migrations.AlterField(
                    model_name="treehead",
                    name="tree_size",
                    field=models.BigIntegerField(),
                ),
            ],
        ),
        migrations.CreateModel(
            name="TransitionHead",
            fields=[
                ("to_epoch", models.IntegerField(primary_key=True, serialize=False)),
                ("from_tree_size", models.BigIntegerField()),
                ("from_root_hash", models.BinaryField()),
                ("to_tree_size", models.BigIntegerField()),
                ("to_root_hash", models.BinaryField()),
                ("sealed_through_id", models.BigIntegerField()),
                ("reencoded_events", models.BigIntegerField()),
                ("mapping_sha256", models.BinaryField()),
                ("signed_at", models.DateTimeField()),
                ("key_id", models.CharField(max_length=16)),
                ("signature", models.BinaryField()),
            ],
        ),
        migrations.RunSQL(TRANSITION_TRIGGERS, TRANSITION_TRIGGERS_REVERSE),
        migrations.RunSQL(FUNCTIONS, FUNCTIONS_REVERSE),
    ]
