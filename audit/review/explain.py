"""Stage 1: explain every lookup in the log, chunk by chunk, behind a watermark.

The log is read in keyset chunks (``id > watermark ORDER BY id LIMIT n``), never with OFFSET,
and only up to the safe watermark (``audit.watermark``): an id below it can never appear later,
so a chunk once explained is complete. Each chunk and the watermark's move commit together.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from access.gateway.lookup_facts import lookup_facts_record

from ..models import ReviewWatermark
from ..watermark import blockers_wait, candidate_take

STAGE = "explain"


@dataclass(frozen=True)
class ExplainResult:
    through_id: int
    explained: int
    chunks: int


def lookups_explain(*, chunk_events: int, wait_seconds: float = 5.0) -> ExplainResult:
    """Explain the lookups among all events committed so far."""
    horizon = _safe_horizon(wait_seconds)
    explained = chunks = 0
    watermark = _watermark_value()
    while watermark < horizon:
        with transaction.atomic():
            row = ReviewWatermark.objects.select_for_update().get(stage=STAGE)
            chunk_end = _chunk_end(after=row.last_event_id, horizon=horizon, size=chunk_events)
            explained += lookup_facts_record(after_id=row.last_event_id, through_id=chunk_end)
            row.last_event_id = chunk_end
            row.save(update_fields=["last_event_id", "updated_at"])
        watermark = chunk_end
        chunks += 1
    return ExplainResult(through_id=watermark, explained=explained, chunks=chunks)


def _watermark_value() -> int:
    row, _ = ReviewWatermark.objects.get_or_create(stage=STAGE)
    return row.last_event_id


def _safe_horizon(wait_seconds: float) -> int:
    """The highest id below which every event has committed (or never will)."""
    with connection.cursor() as cursor:
        candidate = candidate_take(cursor)
        if blockers_wait(cursor, candidate, wait_seconds):
            return candidate.value
    return _watermark_value()


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
