"""Follow the lookup log: hand each new chunk of events to a stage, exactly once.

Jobs that act on the log (misuse review's explanations, cloaked-enquiry notifications) read it
in keyset chunks (``id > watermark ORDER BY id LIMIT n``, never OFFSET) and only up to the safe
watermark (``audit.sealing.watermark``): an id below it can never appear later, so a chunk once
handled is complete. Each chunk's work and the stage's watermark move commit in one transaction,
under a row lock on the watermark, so two workers never handle the same chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction

from .models import ReviewWatermark
from .sealing.watermark import blockers_wait, candidate_take


@dataclass(frozen=True)
class FollowResult:
    through_id: int
    handled: int
    chunks: int


def log_follow(
    *,
    stage: str,
    chunk_events: int,
    handle: Callable[[int, int], int],
    wait_seconds: float = 5.0,
) -> FollowResult:
    """Call ``handle(after_id, through_id)`` for each new chunk; it returns how many it handled."""
    horizon = _safe_horizon(stage, wait_seconds)
    handled = chunks = 0
    watermark = _watermark_value(stage)
    while watermark < horizon:
        with transaction.atomic():
            row = ReviewWatermark.objects.select_for_update().get(stage=stage)
            chunk_end = _chunk_end(after=row.last_event_id, horizon=horizon, size=chunk_events)
            if chunk_end > row.last_event_id:
                handled += handle(row.last_event_id, chunk_end)
                row.last_event_id = chunk_end
                row.save(update_fields=["last_event_id", "updated_at"])
        watermark = max(chunk_end, row.last_event_id)
        chunks += 1
    return FollowResult(through_id=watermark, handled=handled, chunks=chunks)


def _watermark_value(stage: str) -> int:
    row, _ = ReviewWatermark.objects.get_or_create(stage=stage)
    return row.last_event_id


def _safe_horizon(stage: str, wait_seconds: float) -> int:
    """The highest id below which every event has committed (or never will); the stage's own
    watermark (no progress this time) when in-flight transactions do not end in time."""
    with connection.cursor() as cursor:
        candidate = candidate_take(cursor)
        if blockers_wait(cursor, candidate, wait_seconds):
            return candidate.value
    return _watermark_value(stage)


def _chunk_end(*, after: int, horizon: int, size: int) -> int:
    """The id that ends the next chunk of at most ``size`` events: a keyset step."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(id) FROM (SELECT id FROM audit_accessevent "
            "WHERE id > %s AND id <= %s ORDER BY id LIMIT %s) chunk",
            [after, horizon, size],
        )
        found = cursor.fetchone()[0]
    return found if found is not None else horizon
