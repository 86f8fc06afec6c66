"""Unexplained lookups per child: several users with no connection to one child, at once.

Threat: a child in the news, or the child of someone known, looked at by many users each
out of curiosity — each lookup alone is one record opened once, in scope by residence, and
no per-user rule sees it. Counted: distinct users whose lookups of the child in the last
``span_days`` days (today included) nothing but residence explains. Chance: if unexplained
lookups fell on children at random, a child would draw on average (all such user–child
pairs in the span) ÷ (children in the directory) users — or its own usual, the distinct
unexplained users of the 28 days before, scaled to the span, when that is larger (a child
whom many rightly look up without a record of why). A Poisson P(at least this many) ≤
``max_chance`` raises one alert about each of the users (each user once per child: the
alert's key is the child), so the first day's lookers are not left out when the crowd is
complete only on the second.

The directory's size is the planner's estimate of its rows (as for common family names):
unexplained lookups by children's-services users fall in their own authority, so this is
exact when authorities are of one size and a little generous to the larger ones.
"""

from __future__ import annotations

from datetime import timedelta

from access.gateway.lookup_facts import directory_size

from ..windows import DAY, Window
from .base import EVIDENCE_CAP, Detector, Finding, rows
from .chance import poisson_at_least

_PAIRS = """
WITH pairs AS (
    SELECT child_public_id, actor_id, array_agg(event_id ORDER BY event_id) AS ids,
           bool_or(occurred_at >= %(today)s) AS today
    FROM audit_lookupexplanation
    WHERE occurred_at >= %(start)s AND occurred_at < %(end)s AND strength <= 1
      AND actor_id IS NOT NULL
    GROUP BY child_public_id, actor_id
), crowded AS (
    SELECT child_public_id, count(*) AS users FROM pairs
    GROUP BY child_public_id HAVING count(*) >= %(min_users)s AND bool_or(today)
), usual AS (
    SELECT x.child_public_id, count(DISTINCT x.actor_id) AS users
    FROM audit_lookupexplanation x JOIN crowded c USING (child_public_id)
    WHERE x.occurred_at >= %(history)s AND x.occurred_at < %(start)s AND x.strength <= 1
    GROUP BY x.child_public_id
)
SELECT c.child_public_id, c.users, coalesce(u.users, 0), p.actor_id, p.ids,
       (SELECT count(*) FROM pairs)
FROM crowded c JOIN pairs p USING (child_public_id)
LEFT JOIN usual u USING (child_public_id)
ORDER BY c.child_public_id, p.actor_id
"""


def find(window: Window, params: dict) -> list[Finding]:
    span = params["span_days"]
    start = window.start - timedelta(days=span - 1)
    found = rows(
        _PAIRS,
        {
            "today": window.start,
            "start": start,
            "end": window.end,
            "history": start - timedelta(days=28),
            "min_users": params["min_users"],
        },
    )
    children = _children_count()
    findings = []
    for child, users, usual, actor, ids, pairs in found:
        expected = max(pairs / children, usual * span / 28)
        chance = poisson_at_least(users, expected)
        if chance > params["max_chance"]:
            continue
        findings.append(
            Finding(
                subject_id=actor,
                severity="medium",
                summary=(
                    f"One of {users} users who opened child {child} in {span} days with "
                    f"nothing in the records connecting them to the child (chance of so "
                    f"many: {chance:.1g})."
                ),
                evidence_ids=list(ids)[:EVIDENCE_CAP],
                evidence_count=len(ids),
                key=f"{child}",
            )
        )
    return findings


def _children_count() -> float:
    return directory_size()[0]


DETECTOR = Detector(
    name="unexplained_child",
    label="One child, many strangers",
    window=DAY,
    find=find,
    settled=True,
    explanation=(
        "Raised when more people than chance would explain opened the same child's record "
        "within a couple of days, none of them with a connection to the child in the "
        "records. It is raised about each of them: one may have had a reason the records do "
        "not show, many rarely all do."
    ),
)
