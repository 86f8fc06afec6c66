"""Stage 1: explain every lookup in the log, chunk by chunk, behind a watermark
(``audit.log_follow``: keyset chunks up to the safe watermark, each committed with its move)."""

from __future__ import annotations

from access.gateway.lookup_facts import lookup_facts_record

from ..log_follow import FollowResult, log_follow

STAGE = "explain"


def lookups_explain(*, chunk_events: int, wait_seconds: float = 5.0) -> FollowResult:
    """Explain the lookups among all events committed so far."""
    return log_follow(
        stage=STAGE,
        chunk_events=chunk_events,
        wait_seconds=wait_seconds,
        handle=lambda after, through: lookup_facts_record(after_id=after, through_id=through),
    )
