"""Reads of child data from a PostgreSQL streaming replica, when one is configured.

With ``DATABASE_REPLICA_URL`` unset there is no ``replica`` alias and ``child_read`` does
nothing: every read runs on the primary in the transaction of its audit event, as before.
With it set, the gateway's searches and record reads run on the replica; audit events,
notifications and every other write stay on the primary. Rules kept:

- **Audit before data.** The replica only serves the read. The caller writes the audit event
  on the primary after the read and commits it before returning anything, so no data leaves
  the server unless its event is committed; if the audit write fails, nothing is shown.
- **Scope, shielding and cloaking as on the primary.** The gateway's own queries run on the
  replica unchanged (the same SQL, the same planner settings), and only on a replica that has
  replayed everything the primary had committed when the read began (the *fence*): a grant
  revoked, an involvement ended or cloaked, or a child shielded a moment ago is seen exactly as
  the primary would see it, and so are a new break-glass grant or a new involvement. A replica
  that has not caught up within ``DATABASE_REPLICA_WAIT_MS``, cannot be reached, is not in
  recovery (promoted, or the primary itself) or replicates another cluster is not used: that
  read goes to the primary. A lagging replica costs load, never a wrong answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

REPLICA_ALIAS = "replica"
_POLL_SECONDS = 0.001

logger = logging.getLogger(__name__)

# The alias reads go to inside ``child_read``; None elsewhere (Django's usual choice).
_reading_from: ContextVar[str | None] = ContextVar("contactpoint_child_read", default=None)


class ReplicaRouter:
    """Database router: inside ``child_read`` reads go to the chosen alias and writes to the
    primary; outside it, it expresses no opinion, so Django behaves as if it were absent.

    Rule: every write goes to the primary, even of a row that was read from the replica.
    """

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        return _reading_from.get()

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return DEFAULT_DB_ALIAS if _reading_from.get() else None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        """The replica holds the primary's rows: a relation between them is one relation."""
        same_data = {DEFAULT_DB_ALIAS, REPLICA_ALIAS}
        if {obj1._state.db, obj2._state.db} <= same_data:
            return True
        return None


@contextmanager
def child_read() -> Iterator[str]:
    """Run the block's reads on the replica when it is fresh enough, else on the primary;
    yield the alias chosen, for statements that name their connection.

    On the replica the block is a read-only transaction of its own, so per-transaction
    settings (``search_session_tune``) apply to the query they were made for. An error inside
    the block propagates: the caller shows nothing (failure is closed), it does not retry.
    """
    alias = read_alias()
    if alias == DEFAULT_DB_ALIAS:
        yield alias
        return
    token = _reading_from.set(alias)
    try:
        with transaction.atomic(using=alias):
            yield alias
    finally:
        _reading_from.reset(token)


def read_alias() -> str:
    """``replica`` if one is configured and has replayed everything the primary had committed
    at this moment (waiting up to ``DATABASE_REPLICA_WAIT_MS`` for it), else ``default``."""
    if REPLICA_ALIAS not in settings.DATABASES:
        return DEFAULT_DB_ALIAS
    position, system_id = _primary_position()
    deadline = time.monotonic() + settings.DATABASE_REPLICA_WAIT_MS / 1000
    try:
        return _replica_when_caught_up(position, system_id, deadline)
    except DatabaseError as error:
        logger.warning("read replica unavailable, reading from the primary: %s", error)
        connections[REPLICA_ALIAS].close()
        return DEFAULT_DB_ALIAS


def _primary_position() -> tuple[str, int]:
    """The primary's WAL insert position now: every transaction visible on the primary has its
    commit record before it. And the cluster's identity, to recognise its replicas."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            "SELECT pg_current_wal_insert_lsn()::text, system_identifier FROM pg_control_system()"
        )
        position, system_id = cursor.fetchone()
    return position, system_id


def _replica_when_caught_up(position: str, system_id: int, deadline: float) -> str:
    """Poll the replica until its replay reaches ``position`` or the deadline passes.

    The check runs before the read's own statements, which take their snapshots later, after
    a replay that is never undone: they see at least what the primary had committed.
    """
    with connections[REPLICA_ALIAS].cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT pg_is_in_recovery(), system_identifier = %s, "
                "coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, false) "
                "FROM pg_control_system()",
                [system_id, position],
            )
            in_recovery, same_cluster, caught_up = cursor.fetchone()
            if not (in_recovery and same_cluster):
                logger.warning(
                    "DATABASE_REPLICA_URL is not a standby of the primary (in recovery: %s, "
                    "same cluster: %s); reading from the primary",
                    in_recovery,
                    same_cluster,
                )
                return DEFAULT_DB_ALIAS
            if caught_up:
                return REPLICA_ALIAS
            if time.monotonic() >= deadline:
                logger.debug("read replica behind %s; reading from the primary", position)
                return DEFAULT_DB_ALIAS
            time.sleep(_POLL_SECONDS)
