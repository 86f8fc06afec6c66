"""Sudden volume against the user's own baseline.

Threat: a user who normally opens a dozen records a day and suddenly opens hundreds is
harvesting, whatever each lookup's explanation. Volume is counted in distinct children
opened: coming back to the same child all day (a busy caseload) is work, reaching many
children is what harvesting needs. Two shapes:
- one day far above the user's own median day (ratio and robust z-score);
- three active days running (within a week) each several times the user's earlier median,
  which no single day's test sees when the harvest is spread out.
A user with fewer than ``min_history_days`` active days has no usual day to compare with and
is not measured here (a role's median says little about one person; a new user harvesting
fast or wide is still seen by ``scraping``).
"""

from __future__ import annotations

from datetime import timedelta

from ..windows import DAY, Window
from .base import Detector, Finding, events_of, robust_spread, rows

_VOLUME = """
WITH today AS (
    SELECT actor_id, distinct_children AS children
    FROM audit_activityday WHERE day = %(day)s AND distinct_children >= %(floor)s
), past AS (
    SELECT a.actor_id, a.day, a.distinct_children AS children,
           row_number() OVER (PARTITION BY a.actor_id ORDER BY a.day DESC) AS recency
    FROM audit_activityday a JOIN today t USING (actor_id)
    WHERE a.day >= %(since)s AND a.day < %(day)s
), history AS (
    SELECT actor_id, count(*) AS days,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY children) AS median,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY children)
               FILTER (WHERE recency > 2) AS earlier_median
    FROM past GROUP BY actor_id
), spread AS (
    SELECT p.actor_id,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(p.children - h.median)) AS mad
    FROM past p JOIN history h USING (actor_id) GROUP BY p.actor_id
), recent AS (
    SELECT actor_id, count(*) AS days, min(children) AS fewest
    FROM past WHERE recency <= 2 AND day > %(day)s - %(span)s GROUP BY actor_id
)
SELECT t.actor_id, t.children, h.days, h.median, s.mad, h.earlier_median,
       coalesce(rc.days, 0), least(t.children, rc.fewest)
FROM today t JOIN history h USING (actor_id) JOIN spread s USING (actor_id)
LEFT JOIN recent rc USING (actor_id)
WHERE h.days >= %(min_days)s
"""


def find(window: Window, params: dict) -> list[Finding]:
    since = window.day - timedelta(days=params["history_days"])
    floor = min(params["min_children"], params["three_day_children"])
    found = rows(
        _VOLUME,
        {
            "day": window.day,
            "since": since,
            "floor": floor,
            "span": params["three_day_span"],
            "min_days": params["min_history_days"],
        },
    )
    findings = []
    for actor_id, children, days, median, mad, earlier, recent, fewest in found:
        summary = _one_day(params, children, median, mad) or _three_days(
            params, days, earlier, recent, fewest
        )
        if summary is None:
            continue
        ids, count = events_of(actor_id, window)
        findings.append(
            Finding(
                subject_id=actor_id,
                severity="medium",
                summary=summary,
                evidence_ids=ids,
                evidence_count=count,
                key=window.day.isoformat(),
            )
        )
    return findings


def _one_day(params, children, median, mad) -> str | None:
    if children < params["min_children"]:
        return None
    if children < params["min_ratio"] * max(median, 1.0):
        return None
    if (children - median) / robust_spread(mad, median) < params["robust_z"]:
        return None
    return f"Opened {children} children's records in one day; their usual day is {median:g}."


def _three_days(params, days, earlier, recent, fewest) -> str | None:
    """Today and the two active days before it (within ``three_day_span`` days) each well
    above the user's median of the days before them."""
    if earlier is None or days - 2 < params["min_history_days"] or recent < 2:
        return None
    if fewest < params["three_day_children"]:
        return None
    if fewest < params["three_day_ratio"] * max(earlier, 1.0):
        return None
    return (
        f"Opened at least {fewest} children's records on each of three days running; "
        f"their usual day before them was {earlier:g}."
    )


DETECTOR = Detector(
    name="volume_spike",
    label="Sudden volume",
    window=DAY,
    find=find,
    explanation=(
        "Someone who usually opens a dozen records a day and suddenly opens hundreds may be "
        "harvesting, whatever the reason for each lookup. The number of different children "
        "opened is compared with the person's own usual days."
    ),
)
