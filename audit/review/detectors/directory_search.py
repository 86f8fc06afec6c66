"""Whole-directory searching far above peers.

Threat: break-glass opens the whole country's directory to search, and a user who keeps
searching it is finding out who exists, not reaching one child in an emergency (issue 14,
finding 8: 200 break-glass searches by one user raised nothing, because every other detector
reads ordinary searches and record views). Each user's whole-directory searches in a day are
measured against the days of everyone else in the same role in the same kind of organisation
over ``history_days`` (an emergency duty team searches every night and is unusual only against
people who do not); never fewer than ``min_searches``, more than two requests' worth at the
default per-request cap, so one emergency's few tries at a spelling raise nothing.

Peer days are almost all zero, so the baseline is built from each group's count of days and
its few non-zero days, and the subject's own days are left out of it: a user cannot be their
own peer, however small the group.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from audit.models import AccessEvent

from ..windows import DAY, Window
from .base import Detector, Finding, events_of, robust_spread, rows

# Who searched the whole directory today, in which group, and how many days of the history
# they were active in that group (to take them out of their own baseline).
_SEARCHERS = """
WITH today AS (
    SELECT a.actor_id, a.directory_searches, a.actor_role AS role, coalesce(o.kind, '') AS kind
    FROM audit_activityday a LEFT JOIN directory_organisation o ON o.id = a.organisation_id
    WHERE a.day = %(day)s AND a.directory_searches > 0
)
SELECT t.actor_id, t.directory_searches, t.role, t.kind, (
    SELECT count(*) FROM audit_activityday own
    LEFT JOIN directory_organisation oo ON oo.id = own.organisation_id
    WHERE own.actor_id = t.actor_id AND own.day > %(since)s AND own.day <= %(day)s
      AND own.actor_role = t.role AND coalesce(oo.kind, '') = t.kind
) FROM today t
"""

# For each of those groups: all its active user-days in the history, and the non-zero ones.
_GROUPS = """
WITH groups AS (
    SELECT DISTINCT role, kind FROM unnest(%(roles)s::text[], %(kinds)s::text[]) AS g(role, kind)
), days AS (
    SELECT a.actor_id, a.directory_searches AS searches, a.actor_role AS role,
           coalesce(o.kind, '') AS kind
    FROM audit_activityday a LEFT JOIN directory_organisation o ON o.id = a.organisation_id
    WHERE a.day > %(since)s AND a.day <= %(day)s
)
SELECT d.role, d.kind, count(*),
       coalesce(array_agg(d.actor_id) FILTER (WHERE d.searches > 0), '{}'),
       coalesce(array_agg(d.searches) FILTER (WHERE d.searches > 0), '{}')
FROM days d JOIN groups g USING (role, kind)
GROUP BY d.role, d.kind
"""

_CHILDREN_OFFERED = """
SELECT count(DISTINCT offered) FROM audit_accessevent e, unnest(e.result_ids) AS offered
WHERE e.actor_id = %(actor)s AND e.occurred_at >= %(start)s AND e.occurred_at < %(end)s
  AND e.action = 'directory_search'
"""


def find(window: Window, params: dict) -> list[Finding]:
    since = window.day - timedelta(days=params["history_days"])
    span = {"day": window.day, "since": since}
    searchers = rows(_SEARCHERS, span)
    if not searchers:
        return []
    groups = {
        (role, kind): (days, list(zip(actors, counts, strict=True)))
        for role, kind, days, actors, counts in rows(
            _GROUPS,
            {
                **span,
                "roles": [row[2] for row in searchers],
                "kinds": [row[3] for row in searchers],
            },
        )
    }
    findings = []
    for actor_id, searches, role, kind, own_days in sorted(searchers):
        days, busy = groups.get((role, kind), (0, []))
        peer_busy = [count for peer, count in busy if peer != actor_id]
        zeros = max(0, days - own_days - len(peer_busy))
        median, mad = _median_and_mad(Counter(peer_busy) + Counter({0: zeros}))
        threshold = max(
            params["min_searches"], median + params["robust_z"] * robust_spread(mad, median)
        )
        if searches < threshold:
            continue
        ids, count = events_of(actor_id, window, [AccessEvent.Action.DIRECTORY_SEARCH])
        [(offered,)] = rows(
            _CHILDREN_OFFERED, {"actor": actor_id, "start": window.start, "end": window.end}
        )
        findings.append(
            Finding(
                subject_id=actor_id,
                severity="high" if searches >= 2 * threshold else "medium",
                summary=(
                    f"Made {searches} whole-directory (break-glass) searches in one day, "
                    f"offered {offered} different children; others in the same role ({role}) "
                    f"in that kind of organisation typically make {median:g} a day."
                ),
                evidence_ids=ids,
                evidence_count=count,
                key=window.day.isoformat(),
            )
        )
    return findings


def _median_and_mad(days: Counter) -> tuple[float, float]:
    """Median and median absolute deviation of a multiset given as value → how many days."""
    median = _weighted_median(days)
    deviations: Counter = Counter()
    for value, weight in days.items():
        deviations[abs(value - median)] += weight
    return median, _weighted_median(deviations)


def _weighted_median(counts: Counter) -> float:
    total = sum(counts.values())
    if total == 0:
        return 0.0
    ordered = sorted(counts.items())
    lower = _nth(ordered, (total - 1) // 2)
    upper = _nth(ordered, total // 2)
    return (lower + upper) / 2


def _nth(ordered: list[tuple[float, int]], index: int) -> float:
    """The ``index``-th value (from 0) of the multiset ``ordered`` (value, count) pairs."""
    seen = 0
    for value, weight in ordered:
        seen += weight
        if index < seen:
            return float(value)
    raise IndexError(index)


DETECTOR = Detector(
    name="directory_search",
    label="Whole-directory searching",
    window=DAY,
    find=find,
    explanation=(
        "Emergency access lets a person search the whole country's directory. Someone who "
        "keeps searching it is finding out who exists rather than reaching one child in an "
        "emergency. Their searches in a day are compared with those of people in the same "
        "role and kind of organisation; a few tries at a spelling in one emergency raise "
        "nothing."
    ),
)
