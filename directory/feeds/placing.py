"""Placing many records at once: the matcher's reads spread over a few connections.

Why: each record the bulk passes leave costs the matcher a few queries (about 10 ms on this
machine), nearly all of it PostgreSQL's time; one connection uses one core. The reads need
nothing the import has written (new children are written at the end, and records placed
"new" are compared with each other in memory), so they can run on their own connections,
in threads, before the import's transaction writes anything. A small batch is placed on
the caller's connection: threads would only add connections.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from .linking import Placement, record_place
from .reader import FeedRecord

# Below this many records, placing in threads costs more than it saves.
PARALLEL_FROM = 200


def placements_find(records: list[FeedRecord]) -> dict[str, Placement]:
    """Where each of ``records`` goes (source record id -> placement)."""
    workers = settings.FEED_LINK_WORKERS
    if workers <= 1 or len(records) < PARALLEL_FROM:
        return {r.source_record_id: record_place(r.first, using=DEFAULT_DB_ALIAS) for r in records}
    chunks = [records[i::workers] for i in range(workers)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        found = pool.map(_chunk_place, chunks)
    return {srid: placement for part in found for srid, placement in part.items()}


def _chunk_place(records: list[FeedRecord]) -> dict[str, Placement]:
    """One thread's share, on the thread's own connection, closed at the end."""
    try:
        return {r.source_record_id: record_place(r.first, using=DEFAULT_DB_ALIAS) for r in records}
    finally:
        connections.close_all()
