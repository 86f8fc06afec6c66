"""Database privileges of the application's role, re-applied after every migration.

Rule (audit): the role the web app and workers connect as may read and append to the audit
tables but never change them. Default privileges are per database (a test database would miss
them), so the grants are stated here explicitly and re-run after each ``migrate``.
"""

from django.conf import settings
from django.db import connection

APPEND_ONLY_TABLES = (
    "audit_accessevent",
    "audit_treehead",
    "audit_transitionhead",
    "auditlog_logentry",
)
# Written only through the sealer's functions (migration 0008, ``audit.sealing.seal_lock``): a head
# row the app role inserted, or held uncommitted, could stall or confuse the sealer. The
# transition heads are written by the owner's re-rooting alone (``audit.sealing.reroot``).
SEALER_WRITTEN_TABLES = ("audit_treehead", "audit_transitionhead")
# The sealer's secret and lock row: no privilege at all.
OWNER_ONLY_TABLES = ("audit_seallock",)
# The monthly partitions of the lookup log; the app role reaches rows only through the parent.
PARTITIONED_TABLES = ("audit_accessevent",)
# Creates next months' partitions as the owner (SECURITY DEFINER), for the Celery beat task.
# The sealer's functions check that the caller knows the sealer's secret (``sealing/seal_lock.py``).
APP_FUNCTIONS = (
    "cp_audit_partitions_ensure(timestamptz, timestamptz)",
    "cp_audit_seal_lock(bytea)",
    "cp_audit_head_insert(bytea, integer, bigint, bytea, bigint, bytea, bigint, bigint, bigint, "
    "timestamptz, varchar, bytea, bytea, bytea, bytea)",
    # Forgets the personal data of version 2 events, and nothing else (migration 0013,
    # ``audit.forgetting``): the app role itself may still not UPDATE the log.
    "cp_audit_forget(bigint[])",
)
# Not granted, on purpose: ``cp_audit_reencode`` (migration 0020), the owner's re-rooting.


def app_role_exists(cursor, role: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    return cursor.fetchone() is not None


def app_role_privileges_apply(**kwargs) -> None:
    """Grant the app role ordinary access to every table, then take back UPDATE, DELETE and
    TRUNCATE on the append-only tables, INSERT on the heads (the sealer writes them through a
    function), and everything on the partitions and on the sealer's lock table. Does nothing where
    no separate app role exists."""
    role = settings.DATABASE_APP_ROLE
    with connection.cursor() as cursor:
        if not app_role_exists(cursor, role) or _connected_as(cursor, role):
            return
        quoted = connection.ops.quote_name(role)
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quoted}")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}"
        )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
        for table in _existing(cursor, APPEND_ONLY_TABLES, "regclass"):
            cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {quoted}")
        for table in _existing(cursor, SEALER_WRITTEN_TABLES, "regclass"):
            cursor.execute(f"REVOKE INSERT ON {table} FROM {quoted}")
        for table in _existing(cursor, OWNER_ONLY_TABLES, "regclass"):
            cursor.execute(f"REVOKE ALL ON {table} FROM {quoted}")
        for partition in partitions_of(cursor, PARTITIONED_TABLES):
            cursor.execute(f"REVOKE ALL ON {connection.ops.quote_name(partition)} FROM {quoted}")
        for function in _existing(cursor, APP_FUNCTIONS, "regprocedure"):
            cursor.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {quoted}")


def _existing(cursor, names: tuple[str, ...], kind: str) -> list[str]:
    """The tables (``regclass``) or functions (``regprocedure``) among ``names`` that exist:
    after ``migrate`` back to before one was created, the rest must still be granted."""
    lookup = {"regclass": "to_regclass", "regprocedure": "to_regprocedure"}[kind]
    cursor.execute(
        f"SELECT name FROM unnest(%s::text[]) AS name WHERE {lookup}(name) IS NOT NULL",  # noqa: S608
        [list(names)],
    )
    return [name for (name,) in cursor.fetchall()]


def partitions_of(cursor, tables: tuple[str, ...]) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = ANY(%s::regclass[]) ORDER BY c.relname",
        [list(tables)],
    )
    return [name for (name,) in cursor.fetchall()]


def _connected_as(cursor, role: str) -> bool:
    cursor.execute("SELECT current_user = %s", [role])
    return cursor.fetchone()[0]
