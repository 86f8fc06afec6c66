"""What a detector is and what it finds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from ..windows import Window

EVIDENCE_CAP = 100


@dataclass(frozen=True)
class Finding:
    """Something a person should look at: about one user, with the events behind it.

    ``key`` makes the alert unique within the detector (a day, an event id), so finding the
    same thing twice raises one alert.
    """

    subject_id: int
    severity: str
    summary: str
    evidence_ids: Sequence[int]
    key: str
    evidence_count: int = 0


@dataclass(frozen=True)
class Detector:
    name: str
    label: str
    window: str
    find: Callable[[Window, dict[str, Any]], list[Finding]]
    # What a reviewer reads under "Why this kind of alert": plain words for the people who
    # review alerts. The module's docstring is for developers (thresholds, settings, code).
    explanation: str = field(default="")
    # Judges a day only once its lookups have been explained again with what followed them
    # (``MISUSE_FOLLOW_UP_DAYS`` later): what counts unexplained lookups must not count a
    # referral whose case opens tomorrow.
    settled: bool = False


def rows(sql: str, params: dict[str, Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def events_of(
    actor_id: int, window: Window, actions: Sequence[str] | None = None
) -> tuple[list[int], int]:
    """The ids (first ``EVIDENCE_CAP``) and count of ``actor_id``'s events in ``window``."""
    found = rows(
        """SELECT id FROM audit_accessevent
        WHERE actor_id = %(actor)s AND occurred_at >= %(start)s AND occurred_at < %(end)s
          AND (%(any)s OR action = ANY(%(actions)s))
        ORDER BY id""",
        {
            "actor": actor_id,
            "start": window.start,
            "end": window.end,
            "any": not actions,
            "actions": list(actions or ()),
        },
    )
    ids = [row[0] for row in found]
    return ids[:EVIDENCE_CAP], len(ids)


def robust_spread(mad: float, median: float) -> float:
    """A robust standard deviation (1.4826 × MAD), floored at a Poisson-like √median so that
    a group where nearly everyone scores 0 does not make a single event look extreme."""
    return max(1.4826 * mad, max(median, 1.0) ** 0.5)
