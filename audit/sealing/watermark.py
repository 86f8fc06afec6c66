"""The safe watermark: the highest event id below which no new row can ever appear.

Event ids come from a sequence and are handed out before the transaction that uses them
commits, so id 101 can be visible while 100 is still in flight. Sealing 101 and then finding
100 would look exactly like a row slipped in later. So each round reads the sequence's value L
and then lists the transactions that may still hold an id <= L; ids up to L are sealed only
once all of those have ended (an id whose transaction rolled back is simply a gap).

Which transactions: every one that called ``nextval`` on the sequence holds a RowExclusiveLock
on it until it ends, so the list is read from ``pg_locks``. (A transaction snapshot's
in-progress xids are not enough: ``nextval`` does not assign an xid, so an INSERT can hold its
id for a moment before it has one; ``tests/audit/test_sealing.py`` shows such a transaction.)
Any transaction that got an id <= L took the lock before reading the sequence, so when the
locks are listed after L is read, it has either finished or is on the list. This holds only
while the sequence hands out ids one at a time (CACHE 1, the default): a backend's cached ids
would be used later without touching the sequence, so sealing refuses any other setting.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

_BLOCKERS = """
    SELECT DISTINCT virtualtransaction FROM pg_locks
    WHERE locktype = 'relation' AND mode = 'RowExclusiveLock'
      AND relation = pg_get_serial_sequence('audit_accessevent', 'id')::regclass
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND pid IS DISTINCT FROM pg_backend_pid()
"""


@dataclass(frozen=True)
class Candidate:
    value: int
    blockers: frozenset[str]


def sequence_value(cursor) -> int:
    """The last id handed out (0 before the first)."""
    cursor.execute(
        "SELECT coalesce(pg_sequence_last_value(seqrelid), 0), seqcache FROM pg_sequence "
        "WHERE seqrelid = pg_get_serial_sequence('audit_accessevent', 'id')::regclass"
    )
    value, cache = cursor.fetchone()
    if cache != 1:
        raise RuntimeError(f"the audit event sequence caches {cache} ids; sealing needs CACHE 1")
    return value


def candidate_take(cursor) -> Candidate:
    """Read L, then (in a later statement, so strictly after) who may still hold ids <= L."""
    value = sequence_value(cursor)
    return Candidate(value=value, blockers=_blockers(cursor))


def blockers_wait(cursor, candidate: Candidate, seconds: float) -> bool:
    """Wait up to ``seconds`` for the candidate's transactions to end; True once they have."""
    deadline = time.monotonic() + seconds
    pause = 0.002
    pending = set(candidate.blockers)
    while pending:
        pending &= _blockers(cursor)
        if not pending:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
    return True


def _blockers(cursor) -> frozenset[str]:
    cursor.execute(_BLOCKERS)
    return frozenset(vxid for (vxid,) in cursor.fetchall())
