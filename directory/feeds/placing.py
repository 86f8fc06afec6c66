"""Placing many records at once: the exact pass's and the matcher's reads spread over a few
connections.

Why: each record the bulk passes leave costs the matcher a few queries (about 10 ms on this
machine), nearly all of it PostgreSQL's time; one connection uses one core. The reads need
nothing the import has written (new children are written at the end, and records placed
"new" are compared with each other in memory), so they can run on their own connections,
in threads, before the import's transaction writes anything. A small batch is placed on
the caller's connection: threads would only add connections.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from .linking import Placement, exact_links, record_place
from .reader import FeedRecord

# Below this many records, placing in threads costs more than it saves.
PARALLEL_FROM = 200
# Records per unit of work: progress is told after each, and a thread's connection is
# opened per unit.
CHUNK = 500
# Below this many records the exact pass is one statement on the caller's connection: it
# takes a second or two, less than opening connections would save.
EXACT_PARALLEL_FROM = 20_000


def exact_find(records: list[FeedRecord]) -> dict[str, int]:
    """``exact_links`` for ``records``, in equal shares run at once on their own
    connections (source record id -> child id).

    Why: at national scale the pass is one statement of a minute and a half (session 10:
    88 s for 466,678 of 500,000 rows against 12M children), nearly all PostgreSQL's time on
    one core. Each record's answer depends on that record alone, so shares give the same
    links as the whole.
    """
    workers = settings.FEED_LINK_WORKERS
    if workers <= 1 or len(records) < EXACT_PARALLEL_FROM:
        return exact_links(records, using=DEFAULT_DB_ALIAS)
    size = -(-len(records) // workers)
    shares = [records[i : i + size] for i in range(0, len(records), size)]
    found: dict[str, int] = {}
    with ThreadPoolExecutor(max_workers=len(shares)) as pool:
        for part in pool.map(_exact_share, shares):
            found.update(part)
    return found


def _exact_share(records: list[FeedRecord]) -> dict[str, int]:
    try:
        return exact_links(records, using=DEFAULT_DB_ALIAS)
    finally:
        connections.close_all()


def placements_find(
    records: list[FeedRecord], *, placed: Callable[[int], None] | None = None
) -> dict[str, Placement]:
    """Where each of ``records`` goes (source record id -> placement). ``placed`` is told
    how many are placed so far, after each chunk (the command line's and the page's
    progress: placing is most of a national file's time)."""
    workers = settings.FEED_LINK_WORKERS
    chunks = [records[i : i + CHUNK] for i in range(0, len(records), CHUNK)]
    found: dict[str, Placement] = {}
    if workers <= 1 or len(records) < PARALLEL_FROM:
        for chunk in chunks:
            found.update(_chunk_place(chunk, close=False))
            _tell(placed, len(found))
        return found
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for part in pool.map(_chunk_place, chunks):
            found.update(part)
            _tell(placed, len(found))
    return found


def _tell(placed, count: int) -> None:
    if placed is not None:
        placed(count)


def _chunk_place(records: list[FeedRecord], close: bool = True) -> dict[str, Placement]:
    """One share, on the calling thread's connection (a worker thread's own, closed at the
    end: the pool's threads outlive no import)."""
    try:
        return {r.source_record_id: record_place(r.first, using=DEFAULT_DB_ALIAS) for r in records}
    finally:
        if close:
            connections.close_all()
