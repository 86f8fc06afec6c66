"""Unexplained lookups per user and household: coming back to one family nothing connects
the user to.

Threat: watching a household — an ex-partner's new family, a neighbour's children —
a sibling or two at a time on different days, each lookup in scope by residence and
unremarkable alone. The household is the explanation stage's (``household_id``: children of
one family name at one address). Counted: the distinct days in the last ``span_days`` on
which the user opened a child of the household with nothing but residence to explain it.
Chance: the user's unexplained child-days in the span (``ActivityDay``) each land on this
household with probability ``household_children`` ÷ (children in an average authority);
a Poisson P(at least this many days) ≤ ``max_chance``, on at least ``min_days`` days,
raises an alert. Only a pair with a lookup today is tested, so each is raised once.
"""

from __future__ import annotations

from datetime import timedelta

from access.gateway.lookup_facts import directory_size

from ..windows import DAY, Window
from .base import EVIDENCE_CAP, Detector, Finding, rows
from .chance import poisson_at_least

_VISITS = """
WITH today AS (
    SELECT DISTINCT actor_id, household_id FROM audit_lookupexplanation
    WHERE occurred_at >= %(today)s AND occurred_at < %(end)s AND strength <= 1
      AND household_id IS NOT NULL AND actor_id IS NOT NULL
), visits AS (
    SELECT x.actor_id, x.household_id,
           count(DISTINCT (x.occurred_at AT TIME ZONE %(tz)s)::date) AS days,
           array_agg(x.event_id ORDER BY x.event_id) AS ids
    FROM audit_lookupexplanation x JOIN today t USING (actor_id, household_id)
    WHERE x.occurred_at >= %(start)s AND x.occurred_at < %(end)s AND x.strength <= 1
    GROUP BY x.actor_id, x.household_id
    HAVING count(DISTINCT (x.occurred_at AT TIME ZONE %(tz)s)::date) >= %(min_days)s
)
SELECT v.actor_id, v.household_id, v.days, v.ids,
       (SELECT coalesce(sum(a.unexplained_children), 0) FROM audit_activityday a
        WHERE a.actor_id = v.actor_id AND a.day > %(since)s AND a.day <= %(day)s)
FROM visits v ORDER BY v.actor_id, v.household_id
"""


def find(window: Window, params: dict) -> list[Finding]:
    from django.conf import settings

    span = params["span_days"]
    found = rows(
        _VISITS,
        {
            "today": window.start,
            "start": window.start - timedelta(days=span - 1),
            "end": window.end,
            "tz": settings.TIME_ZONE,
            "min_days": params["min_days"],
            "since": window.day - timedelta(days=span),
            "day": window.day,
        },
    )
    if not found:
        return []
    per_authority = _children_per_authority()
    findings = []
    for actor, household, days, ids, child_days in found:
        expected = max(child_days, days) * params["household_children"] / per_authority
        chance = poisson_at_least(days, expected)
        if chance > params["max_chance"]:
            continue
        findings.append(
            Finding(
                subject_id=actor,
                severity="medium",
                summary=(
                    f"Opened children of one household on {days} days in {span}, with "
                    f"nothing in the records connecting them to the family (chance: "
                    f"{chance:.1g})."
                ),
                evidence_ids=list(ids)[:EVIDENCE_CAP],
                evidence_count=len(ids),
                key=f"household-{household}",
            )
        )
    return findings


def _children_per_authority() -> float:
    children, authorities = directory_size()
    return max(children / authorities, 1.0)


DETECTOR = Detector(
    name="unexplained_household",
    label="Coming back to one family",
    window=DAY,
    find=find,
    settled=True,
    explanation=(
        "Raised when someone opened the records of one family's children — brothers and "
        "sisters at one address — on several different days with nothing in the records "
        "connecting them to the family, more often than chance would give for how many "
        "such lookups they make."
    ),
)
