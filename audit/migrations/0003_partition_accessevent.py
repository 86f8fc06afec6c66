"""Partition the lookup log by month on occurred_at, keeping every row, id and the sequence.

Why partitions: the log grows by tens of millions of rows a day and is kept for decades;
monthly partitions keep each index small, let time-bounded reads skip whole months, and let
retention later detach a month instead of deleting rows. A DEFAULT partition catches any row
whose month has no partition yet, so an insert never fails for want of one;
cp_audit_partitions_ensure() creates months ahead (here, after every migrate, and daily from
Celery beat) and moves rows the default partition caught into their month.

PostgreSQL requires the partition key in the primary key, so the database's key is
(id, occurred_at); Django's state keeps ``id`` as the primary key, which stays unique because
it comes from a single sequence. Identity columns are not allowed on partitioned tables before
PostgreSQL 17 (this also runs on 15), so ``id`` takes its default from an owned sequence.

The append-only triggers are recreated: row triggers on the parent are cloned to every
partition, TRUNCATE triggers are not, so each partition gets its own. The application role
reaches the rows only through the parent (audit/roles.py revokes everything on partitions).
"""

from django.contrib.postgres.indexes import BrinIndex, GinIndex
from django.db import migrations, models

ENSURE_FUNCTION = r"""
CREATE FUNCTION cp_audit_partitions_ensure(from_time timestamptz, until_time timestamptz)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
-- Never queue for long behind another transaction while holding up every audit insert.
SET search_path = public, pg_temp SET lock_timeout = '5s' AS $$
DECLARE
    first_month timestamp := date_trunc('month', from_time AT TIME ZONE 'UTC');
    last_month timestamp := date_trunc('month', until_time AT TIME ZONE 'UTC');
    month timestamp;
    month_start timestamptz;
    month_end timestamptz;
    partition_name text;
    grantee_oid oid;
    retention text := coalesce(current_setting('contactpoint.audit_retention', true), '');
    created integer := 0;
BEGIN
    IF last_month < first_month OR last_month > first_month + interval '10 years' THEN
        RAISE EXCEPTION 'audit partitions: % to % is not a range of months to create',
            from_time, until_time;
    END IF;
    month := first_month;
    WHILE month <= last_month LOOP
        month_start := month AT TIME ZONE 'UTC';
        month_end := (month + interval '1 month') AT TIME ZONE 'UTC';
        partition_name := 'audit_accessevent_p' || to_char(month, 'YYYY_MM');
        IF to_regclass(partition_name) IS NULL THEN
            -- Created apart and then attached: ATTACH takes a lock that lets inserts go on.
            EXECUTE format('CREATE TABLE %I (LIKE audit_accessevent INCLUDING DEFAULTS)',
                           partition_name);
            IF EXISTS (SELECT 1 FROM audit_accessevent_default
                       WHERE occurred_at >= month_start AND occurred_at < month_end) THEN
                EXECUTE format('INSERT INTO %I SELECT * FROM audit_accessevent_default '
                               'WHERE occurred_at >= $1 AND occurred_at < $2', partition_name)
                    USING month_start, month_end;
                -- A logged retention operation by the owner: the rows keep their ids and
                -- contents, so their seals still hold.
                PERFORM set_config('contactpoint.audit_retention', 'on', true);
                DELETE FROM audit_accessevent_default
                    WHERE occurred_at >= month_start AND occurred_at < month_end;
                PERFORM set_config('contactpoint.audit_retention', retention, true);
            END IF;
            EXECUTE format('ALTER TABLE audit_accessevent ATTACH PARTITION %I '
                           'FOR VALUES FROM (%L) TO (%L)', partition_name,
                           to_char(month, 'YYYY-MM-DD') || ' 00:00:00+00',
                           to_char(month + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00');
            EXECUTE format('CREATE TRIGGER accessevent_no_truncate BEFORE TRUNCATE ON %I '
                           'FOR EACH STATEMENT EXECUTE FUNCTION cp_audit_refuse_change()',
                           partition_name);
            -- Default privileges gave the app role UPDATE and DELETE here: take every
            -- privilege from everyone but the owner; the rows are reached through the parent.
            FOR grantee_oid IN
                SELECT DISTINCT acl.grantee
                FROM pg_class c, aclexplode(c.relacl) AS acl
                WHERE c.oid = partition_name::regclass AND acl.grantee <> c.relowner
            LOOP
                EXECUTE format('REVOKE ALL ON %I FROM %s', partition_name,
                               CASE WHEN grantee_oid = 0 THEN 'PUBLIC'
                                    ELSE quote_ident(pg_get_userbyid(grantee_oid)) END);
            END LOOP;
            created := created + 1;
        END IF;
        month := month + interval '1 month';
    END LOOP;
    RETURN created;
END $$;

REVOKE ALL ON FUNCTION cp_audit_partitions_ensure(timestamptz, timestamptz) FROM PUBLIC;
"""

PARTITION = r"""
ALTER TABLE audit_accessevent RENAME TO audit_accessevent_unpartitioned;
DO $$
DECLARE
    old_index record;
BEGIN
    FOR old_index IN SELECT indexname FROM pg_indexes
                     WHERE schemaname = current_schema()
                       AND tablename = 'audit_accessevent_unpartitioned' LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', old_index.indexname,
                       left('old_' || old_index.indexname, 63));
    END LOOP;
END $$;

CREATE SEQUENCE audit_accessevent_id_seq_new AS bigint;
SELECT setval('audit_accessevent_id_seq_new', last_value, is_called)
FROM audit_accessevent_id_seq;

CREATE TABLE audit_accessevent (
    LIKE audit_accessevent_unpartitioned INCLUDING DEFAULTS
) PARTITION BY RANGE (occurred_at);
ALTER TABLE audit_accessevent
    ALTER COLUMN id SET DEFAULT nextval('audit_accessevent_id_seq_new');
ALTER TABLE audit_accessevent ADD PRIMARY KEY (id, occurred_at);
CREATE INDEX event_actor_time ON audit_accessevent (actor_id, occurred_at);
CREATE INDEX event_child_time ON audit_accessevent (child_public_id, occurred_at);
CREATE INDEX event_result_ids ON audit_accessevent USING gin (result_ids);
CREATE INDEX event_time_brin ON audit_accessevent USING brin (occurred_at);

CREATE TRIGGER accessevent_no_update_delete
BEFORE UPDATE OR DELETE ON audit_accessevent
FOR EACH ROW EXECUTE FUNCTION cp_audit_refuse_change();
CREATE TRIGGER accessevent_no_truncate
BEFORE TRUNCATE ON audit_accessevent
FOR EACH STATEMENT EXECUTE FUNCTION cp_audit_refuse_change();

CREATE TABLE audit_accessevent_default PARTITION OF audit_accessevent DEFAULT;
CREATE TRIGGER accessevent_no_truncate
BEFORE TRUNCATE ON audit_accessevent_default
FOR EACH STATEMENT EXECUTE FUNCTION cp_audit_refuse_change();
"""

COPY_ROWS = r"""
SELECT cp_audit_partitions_ensure(
    coalesce((SELECT min(occurred_at) FROM audit_accessevent_unpartitioned), now()),
    greatest(coalesce((SELECT max(occurred_at) FROM audit_accessevent_unpartitioned), now()),
             now()) + interval '3 months'
);
INSERT INTO audit_accessevent SELECT * FROM audit_accessevent_unpartitioned ORDER BY id;
DROP TABLE audit_accessevent_unpartitioned;
ALTER SEQUENCE audit_accessevent_id_seq_new RENAME TO audit_accessevent_id_seq;
ALTER SEQUENCE audit_accessevent_id_seq OWNED BY audit_accessevent.id;
"""

UNPARTITION = r"""
CREATE TABLE audit_accessevent_unpartitioned (LIKE audit_accessevent);
ALTER TABLE audit_accessevent_unpartitioned
    ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;
INSERT INTO audit_accessevent_unpartitioned OVERRIDING SYSTEM VALUE
    SELECT * FROM audit_accessevent ORDER BY id;
SELECT setval(pg_get_serial_sequence('audit_accessevent_unpartitioned', 'id'),
              last_value, is_called)
FROM audit_accessevent_id_seq;
DROP TABLE audit_accessevent;
DROP FUNCTION cp_audit_partitions_ensure(timestamptz, timestamptz);
ALTER TABLE audit_accessevent_unpartitioned RENAME TO audit_accessevent;
ALTER SEQUENCE audit_accessevent_unpartitioned_id_seq RENAME TO audit_accessevent_id_seq;
ALTER TABLE audit_accessevent ADD CONSTRAINT audit_accessevent_pkey PRIMARY KEY (id);
CREATE INDEX audit_accessevent_occurred_at_3fa75ccb ON audit_accessevent (occurred_at);
CREATE INDEX event_actor_time ON audit_accessevent (actor_id, occurred_at);
CREATE INDEX event_child_time ON audit_accessevent (child_public_id, occurred_at);
CREATE TRIGGER accessevent_no_update_delete
BEFORE UPDATE OR DELETE ON audit_accessevent
FOR EACH ROW EXECUTE FUNCTION cp_audit_refuse_change();
CREATE TRIGGER accessevent_no_truncate
BEFORE TRUNCATE ON audit_accessevent
FOR EACH STATEMENT EXECUTE FUNCTION cp_audit_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    PARTITION + ENSURE_FUNCTION + COPY_ROWS,
                    UNPARTITION,
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="accessevent",
                    name="occurred_at",
                    field=models.DateTimeField(),
                ),
                migrations.AddIndex(
                    model_name="accessevent",
                    index=GinIndex(fields=["result_ids"], name="event_result_ids"),
                ),
                migrations.AddIndex(
                    model_name="accessevent",
                    index=BrinIndex(fields=["occurred_at"], name="event_time_brin"),
                ),
            ],
        )
    ]
