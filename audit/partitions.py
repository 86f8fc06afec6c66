"""Monthly partitions of the lookup log, created ahead of time.

Rule (audit before data): an insert must never fail for want of a partition. The DEFAULT
partition already guarantees that; creating months ahead keeps rows out of it, so each month's
indexes stay small and a month can later be detached whole. The work is done by the database
function ``cp_audit_partitions_ensure`` (migration 0003), which runs as the table owner so the
application role, which may not create tables, can call it from Celery beat.
"""

from datetime import datetime

from django.conf import settings
from django.db import connections

_FUNCTION = "cp_audit_partitions_ensure(timestamptz, timestamptz)"


def audit_partitions_ensure(
    *, months_ahead: int | None = None, using: str = "default", now: datetime | None = None
) -> int:
    """Create the partitions for this month and the next ``months_ahead``; return how many
    were created (0 when they all exist). Idempotent. "This month" is the database server's,
    unless ``now`` names another moment (the tests' pinned clock cannot move the server's)."""
    months = settings.AUDIT_PARTITION_MONTHS_AHEAD if months_ahead is None else months_ahead
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT cp_audit_partitions_ensure(coalesce(%s, now()),"
            " coalesce(%s, now()) + make_interval(months => %s))",
            [now, now, months],
        )
        return cursor.fetchone()[0]


def audit_partitions_ensure_after_migrate(*, using: str = "default", **kwargs) -> None:
    """post_migrate: a fresh or long-idle database gets its months at once. Skipped while the
    schema is migrated back to before partitioning."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT to_regprocedure(%s) IS NOT NULL", [_FUNCTION])
        if not cursor.fetchone()[0]:
            return
    audit_partitions_ensure(using=using)
