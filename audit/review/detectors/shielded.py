"""Attempts on shielded children's hidden details.

Threat: a shielded child is at risk if located (a refuge); anyone trying to get past the
shield — overriding it, being refused an override, or opening the identity-only record again
and again — is exactly who the shield is for. Overrides are also raised the moment they
happen (``access.gateway.shield_override``); this detector's key is the same, so a window
reviewed later adds nothing twice. Repeats are counted in the hour and since local midnight,
so spreading them over the afternoon does not hide them; both carry the key of the day's
first view of that child, so one run of repeats raises one alert. The child's own named
practitioner is not counted: they know where the child is, and reopening a case they work
is their job (the benchmark's evaluation data showed child-protection workers doing it).
"""

from __future__ import annotations

from audit.models import AccessEvent

from ..windows import DAY, HOUR, Window, window_floor
from .base import Detector, Finding, rows

_ATTEMPTS = """
SELECT e.id, e.actor_id, e.action FROM audit_accessevent e
WHERE e.occurred_at >= %(start)s AND e.occurred_at < %(end)s
  AND e.action IN (%(override)s, %(denied)s) AND e.actor_id IS NOT NULL
ORDER BY e.id
"""

_REPEATS = """
WITH today AS (
    SELECT actor_id, child_public_id, event_id, occurred_at >= %(start)s AS in_window
    FROM audit_lookupexplanation
    WHERE occurred_at >= %(midnight)s AND occurred_at < %(end)s AND child_shielded
      AND action = %(view)s AND actor_id IS NOT NULL AND basis <> 'own_caseload'
)
SELECT actor_id, child_public_id, array_agg(event_id ORDER BY event_id), count(*),
       count(*) FILTER (WHERE in_window) AS in_hour
FROM today
GROUP BY actor_id, child_public_id
HAVING bool_or(in_window)
   AND (count(*) FILTER (WHERE in_window) >= %(repeats)s OR count(*) >= %(day_repeats)s)
"""


def shield_override_finding(*, event_id: int, actor_id: int, refused: bool) -> Finding:
    """The alert for one override (or refused override) of a shield."""
    what = "Was refused an override of" if refused else "Overrode"
    return Finding(
        subject_id=actor_id,
        severity="high",
        summary=f"{what} the shield on a child at risk if located.",
        evidence_ids=[event_id],
        evidence_count=1,
        key=f"event-{event_id}",
    )


def find(window: Window, params: dict) -> list[Finding]:
    span = {
        "start": window.start,
        "end": window.end,
        "override": AccessEvent.Action.SHIELD_OVERRIDE,
        "denied": AccessEvent.Action.SHIELD_DENIED,
        "view": AccessEvent.Action.VIEW,
    }
    findings = [
        shield_override_finding(
            event_id=event_id, actor_id=actor_id, refused=action == AccessEvent.Action.SHIELD_DENIED
        )
        for event_id, actor_id, action in rows(_ATTEMPTS, span)
    ]
    repeats = {
        **span,
        "midnight": window_floor(window.start, DAY),
        "repeats": params["repeat_views"],
        "day_repeats": params["day_repeat_views"],
    }
    for actor_id, _child, ids, count, in_hour in rows(_REPEATS, repeats):
        how_often = (
            f"{in_hour} times in an hour"
            if in_hour >= params["repeat_views"]
            else f"{count} times today"
        )
        findings.append(
            Finding(
                subject_id=actor_id,
                severity="medium",
                summary=(
                    f"Opened one shielded child's record {how_often}; it shows only name, "
                    "gender and date of birth."
                ),
                evidence_ids=ids,
                evidence_count=count,
                key=f"repeat-{ids[0]}",
            )
        )
    return findings


DETECTOR = Detector(
    name="shielded",
    label="Shielded child",
    window=HOUR,
    find=find,
    explanation=(
        "A shielded child could be harmed if someone found where they live. Anyone who "
        "overrides a shield, is refused an override, or opens a shielded child's protected "
        "record again and again is exactly who the shield is for. The child's own named "
        "practitioner is not counted."
    ),
)
