"""Break-glass far above role peers.

Threat: break-glass opens any child in the country; a user who uses it far more than others
in the same role and kind of organisation is using it for something else. Robust statistics
(median and MAD over the rolling history) so one heavy user cannot drag the baseline up.
"""

from __future__ import annotations

from datetime import timedelta

from ..windows import DAY, Window
from .base import Detector, Finding, events_of, robust_spread, rows

_PEERS = """
WITH totals AS (
    SELECT a.actor_id, max(a.actor_role) AS role, coalesce(max(o.kind), '') AS kind,
           sum(a.break_glass) AS uses
    FROM audit_activityday a LEFT JOIN directory_organisation o ON o.id = a.organisation_id
    WHERE a.day > %(since)s AND a.day <= %(day)s
    GROUP BY a.actor_id
), medians AS (
    SELECT role, kind, percentile_cont(0.5) WITHIN GROUP (ORDER BY uses) AS median,
           count(*) AS peers
    FROM totals GROUP BY role, kind
), spreads AS (
    SELECT t.role, t.kind,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(t.uses - m.median)) AS mad
    FROM totals t JOIN medians m USING (role, kind) GROUP BY t.role, t.kind
)
SELECT t.actor_id, t.uses, m.median, s.mad, m.peers, t.role
FROM totals t JOIN medians m USING (role, kind) JOIN spreads s USING (role, kind)
WHERE t.actor_id IN (
    SELECT actor_id FROM audit_activityday WHERE day = %(day)s AND break_glass > 0
)
"""


def find(window: Window, params: dict) -> list[Finding]:
    since = window.day - timedelta(days=params["history_days"])
    findings = []
    for actor_id, uses, median, mad, peers, role in rows(
        _PEERS, {"since": since, "day": window.day}
    ):
        threshold = max(
            params["min_count"], median + params["robust_z"] * robust_spread(mad, median)
        )
        if uses < threshold:
            continue
        history = Window(start=window.end - timedelta(days=params["history_days"]), end=window.end)
        ids, count = events_of(actor_id, history, ["break_glass"])
        findings.append(
            Finding(
                subject_id=actor_id,
                severity="high" if uses >= 2 * threshold else "medium",
                summary=(
                    f"Broke glass {uses} times in {params['history_days']} days; others in "
                    f"the same role ({role}, {peers} people) typically do so {median:g} times."
                ),
                evidence_ids=ids,
                evidence_count=count,
                key=window.day.isoformat(),
            )
        )
    return findings


DETECTOR = Detector(
    name="break_glass_peers",
    label="Break-glass far above peers",
    window=DAY,
    find=find,
    description=__doc__,
)
