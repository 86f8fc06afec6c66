"""Sudden volume against the user's own baseline.

Threat: a user who normally opens a dozen records a day and suddenly opens hundreds is
harvesting, whatever each lookup's explanation. Compared with their own median day (robust
z-score), or with their role's median day while they have too little history of their own.
"""

from __future__ import annotations

from datetime import timedelta

from ..windows import DAY, Window
from .base import Detector, Finding, events_of, robust_spread, rows

_VOLUME = """
WITH today AS (
    SELECT actor_id, actor_role, lookups + searches AS volume
    FROM audit_activityday WHERE day = %(day)s
), role_median AS (
    SELECT actor_role, percentile_cont(0.5) WITHIN GROUP (ORDER BY volume) AS median
    FROM today GROUP BY actor_role
), history AS (
    SELECT a.actor_id, count(*) AS days,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY a.lookups + a.searches) AS median
    FROM audit_activityday a JOIN today t USING (actor_id)
    WHERE a.day >= %(since)s AND a.day < %(day)s AND t.volume >= %(min)s
    GROUP BY a.actor_id
), spread AS (
    SELECT a.actor_id,
           percentile_cont(0.5) WITHIN GROUP (
               ORDER BY abs(a.lookups + a.searches - h.median)) AS mad
    FROM audit_activityday a JOIN history h USING (actor_id)
    WHERE a.day >= %(since)s AND a.day < %(day)s
    GROUP BY a.actor_id
)
SELECT t.actor_id, t.volume, coalesce(h.days, 0), h.median, s.mad, r.median
FROM today t JOIN role_median r USING (actor_role)
LEFT JOIN history h USING (actor_id) LEFT JOIN spread s USING (actor_id)
WHERE t.volume >= %(min)s
"""


def find(window: Window, params: dict) -> list[Finding]:
    since = window.day - timedelta(days=params["history_days"])
    findings = []
    for actor_id, volume, days, median, mad, role_median in rows(
        _VOLUME, {"day": window.day, "since": since, "min": params["min_lookups"]}
    ):
        own = days >= params["min_history_days"]
        baseline = median if own else role_median
        spread = robust_spread(mad if own else 0.0, baseline)
        if volume < params["min_ratio"] * max(baseline, 1.0):
            continue
        if (volume - baseline) / spread < params["robust_z"]:
            continue
        ids, count = events_of(actor_id, window)
        whose = "their usual day" if own else "a usual day for their role"
        findings.append(
            Finding(
                subject_id=actor_id,
                severity="medium",
                summary=f"{volume} searches and lookups in one day; {whose} is {baseline:g}.",
                evidence_ids=ids,
                evidence_count=count,
                key=window.day.isoformat(),
            )
        )
    return findings


DETECTOR = Detector(
    name="volume_spike",
    label="Sudden volume",
    window=DAY,
    find=find,
    description=__doc__,
)
