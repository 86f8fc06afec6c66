"""Supervisors who endorse everything their team does, fast.

Threat: break-glass is safe only because someone judges it; a supervisor who endorses every
request within a minute or two is not reading them, and their team's break-glass is in effect
unsupervised. Always goes to the auditors (the subject is a supervisor).
"""

from __future__ import annotations

from datetime import timedelta

from audit.models import AccessEvent

from ..windows import DAY, Window
from .base import EVIDENCE_CAP, Detector, Finding, rows

_JUDGES = """
SELECT r.judged_by_id, count(*),
       count(*) FILTER (WHERE r.judgement = 'endorsed'),
       percentile_cont(0.5) WITHIN GROUP (
           ORDER BY extract(epoch FROM r.judged_at - coalesce(r.granted_at, r.created_at)))
FROM access_accessrequest r
WHERE r.kind = 'emergency' AND r.judgement IN ('endorsed', 'rejected')
  AND r.judged_at > %(since)s AND r.judged_at < %(end)s
  AND r.judged_by_id IN (
      SELECT judged_by_id FROM access_accessrequest
      WHERE judged_at >= %(start)s AND judged_at < %(end)s AND judged_by_id IS NOT NULL)
GROUP BY r.judged_by_id
"""

_ENDORSEMENTS = """
SELECT id FROM audit_accessevent
WHERE actor_id = %(actor)s AND action = %(endorsed)s
  AND occurred_at > %(since)s AND occurred_at < %(end)s
ORDER BY id
"""


def find(window: Window, params: dict) -> list[Finding]:
    since = window.end - timedelta(days=params["history_days"])
    span = {"start": window.start, "end": window.end, "since": since}
    span["endorsed"] = AccessEvent.Action.BREAK_GLASS_ENDORSED
    findings = []
    for judge_id, judged, endorsed, median_seconds in rows(_JUDGES, span):
        if judged < params["min_judgements"] or endorsed / judged < params["endorse_share"]:
            continue
        if median_seconds is None or median_seconds > params["median_seconds"]:
            continue
        ids = [row[0] for row in rows(_ENDORSEMENTS, {**span, "actor": judge_id})]
        findings.append(
            Finding(
                subject_id=judge_id,
                severity="medium",
                summary=(
                    f"Endorsed {endorsed} of {judged} break-glass requests in "
                    f"{params['history_days']} days, typically {median_seconds:.0f} s after "
                    "access was granted."
                ),
                evidence_ids=ids[:EVIDENCE_CAP],
                evidence_count=len(ids),
                key=window.day.isoformat(),
            )
        )
    return findings


DETECTOR = Detector(
    name="rubber_stamp",
    label="Rubber-stamping supervisor",
    window=DAY,
    find=find,
    explanation=(
        "Emergency access is safe only because a supervisor judges each use. A supervisor "
        "who endorses every request within a minute or two may not be reading them, which "
        "leaves their team's emergency access in effect unsupervised."
    ),
)
