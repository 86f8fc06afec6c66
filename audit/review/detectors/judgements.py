"""Break-glass that its supervisor rejected, or left unjudged until it escalated.

Rule (break-glass): a rejection means the supervisor does not accept the emergency; an
escalation means nobody judged it in time. Either way an auditor must look, so each becomes
a high-severity alert about the requester.
"""

from __future__ import annotations

from audit.models import AccessEvent

from ..windows import HOUR, Window
from .base import Detector, Finding, rows

_JUDGED = """
SELECT e.id, e.action, r.requester_id
FROM audit_accessevent e
JOIN access_accessrequest r ON r.id = substring(e.reason FROM '^request ([0-9]+)')::bigint
WHERE e.occurred_at >= %(start)s AND e.occurred_at < %(end)s
  AND e.action IN (%(rejected)s, %(escalated)s)
ORDER BY e.id
"""


def find(window: Window, params: dict) -> list[Finding]:
    return [
        Finding(
            subject_id=requester_id,
            severity="high",
            summary=(
                "Their supervisor rejected this break-glass."
                if action == AccessEvent.Action.BREAK_GLASS_REJECTED
                else "Nobody judged this break-glass in time; it was escalated."
            ),
            evidence_ids=[event_id],
            evidence_count=1,
            key=f"event-{event_id}",
        )
        for event_id, action, requester_id in rows(
            _JUDGED,
            {
                "start": window.start,
                "end": window.end,
                "rejected": AccessEvent.Action.BREAK_GLASS_REJECTED,
                "escalated": AccessEvent.Action.BREAK_GLASS_ESCALATED,
            },
        )
    ]


DETECTOR = Detector(
    name="judgements",
    label="Rejected or escalated break-glass",
    window=HOUR,
    find=find,
    explanation=(
        "A supervisor rejected this use of emergency access, or nobody judged it in time. "
        "Either way an auditor must look at it."
    ),
)
