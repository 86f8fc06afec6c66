"""Break-glass far above peers.

Threat: break-glass opens any child in the country; a user who uses it far more than the
people doing the same job is using it for something else. Peers are the user's colleagues in
the same role in the same organisation when there are at least ``min_team_peers`` of them —
an emergency duty team or an out-of-hours GP service breaks glass every night, and is only
unusual against practitioners who do not — otherwise everyone in the same role and kind of
organisation. Robust statistics (median and MAD over the rolling history) so one heavy user
cannot drag the baseline up.
"""

from __future__ import annotations

from datetime import timedelta

from audit.models import AccessEvent

from ..windows import DAY, Window
from .base import Detector, Finding, events_of, robust_spread, rows

_PEERS = """
WITH totals AS (
    SELECT a.actor_id, max(a.actor_role) AS role, coalesce(max(o.kind), '') AS kind,
           coalesce(max(a.organisation_id), 0) AS org, sum(a.break_glass) AS uses
    FROM audit_activityday a LEFT JOIN directory_organisation o ON o.id = a.organisation_id
    WHERE a.day > %(since)s AND a.day <= %(day)s
    GROUP BY a.actor_id
), membership AS (
    SELECT actor_id, uses, role, 'team' AS level, org::text || '/' || role AS grp FROM totals
    UNION ALL
    SELECT actor_id, uses, role, 'role' AS level, kind || '/' || role AS grp FROM totals
), medians AS (
    SELECT grp, percentile_cont(0.5) WITHIN GROUP (ORDER BY uses) AS median, count(*) AS peers
    FROM membership GROUP BY grp
), spreads AS (
    SELECT m.grp, percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(m.uses - g.median)) AS mad
    FROM membership m JOIN medians g USING (grp) GROUP BY m.grp
)
SELECT m.actor_id, m.uses, m.level, g.median, s.mad, g.peers, m.role
FROM membership m JOIN medians g USING (grp) JOIN spreads s USING (grp)
WHERE m.actor_id IN (
    SELECT actor_id FROM audit_activityday WHERE day = %(day)s AND break_glass > 0
)
"""


def _peer_groups(window: Window, params: dict) -> dict[int, tuple]:
    """For each user who broke glass in the window: (uses, median, mad, peers, role, level) of
    their team when it is big enough to be a baseline, else of their role nationally."""
    since = window.day - timedelta(days=params["history_days"])
    chosen: dict[int, tuple] = {}
    for actor_id, uses, level, median, mad, peers, role in rows(
        _PEERS, {"since": since, "day": window.day}
    ):
        if level == "team" and peers >= params["min_team_peers"]:
            chosen[actor_id] = (uses, median, mad, peers, role, "team")
        elif level == "role":
            chosen.setdefault(actor_id, (uses, median, mad, peers, role, "role"))
    return chosen


def find(window: Window, params: dict) -> list[Finding]:
    findings = []
    for actor_id, (uses, median, mad, peers, role, level) in sorted(
        _peer_groups(window, params).items()
    ):
        threshold = max(
            params["min_count"], median + params["robust_z"] * robust_spread(mad, median)
        )
        if uses < threshold:
            continue
        history = Window(start=window.end - timedelta(days=params["history_days"]), end=window.end)
        ids, count = events_of(actor_id, history, [AccessEvent.Action.BREAK_GLASS])
        findings.append(
            Finding(
                subject_id=actor_id,
                severity="high" if uses >= 2 * threshold else "medium",
                summary=(
                    f"Broke glass {uses} times in {params['history_days']} days; "
                    f"{_peers_phrase(level, role, peers)} typically do so {median:g} times."
                ),
                evidence_ids=ids,
                evidence_count=count,
                key=window.day.isoformat(),
            )
        )
    return findings


def _peers_phrase(level: str, role: str, peers: int) -> str:
    where = "in their organisation" if level == "team" else "in that kind of organisation"
    return f"others in the same role ({role}) {where} ({peers} people)"


DETECTOR = Detector(
    name="break_glass_peers",
    label="Break-glass far above peers",
    window=DAY,
    find=find,
    explanation=(
        "Emergency access (break-glass) opens any child in the country. Someone who uses it "
        "far more often than people doing the same job, in the same kind of organisation, "
        "may be using it for something other than emergencies. Teams whose work is "
        "emergencies every night are compared with each other, not with day workers."
    ),
)
