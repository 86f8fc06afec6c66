"""Pairs of users who break glass for each other's benefit.

Threat: a user who will not look up their own family asks a colleague to do it through
break-glass, and returns the favour. The explanation stage marks a grant-based lookup of a
child who lives at a colleague's home postcode, and whether the child also carries the
colleague's family name. Two colleagues doing that for each other (within
``history_days``) is a pair, both raised on the day of the second favour, whatever the
children's surnames (a partner's children often carry another; a coincidence both ways is
far-fetched); one doing it for another is a proxy only with the name as well (one child at
a colleague's postcode, among a big team's homes, happens by chance).

The pair without the name was added (session 10) after the benchmark's untuned variant
``pair_other_surnames`` had been seen missed, so that variant no longer measures
generalisation.
"""

from __future__ import annotations

from datetime import timedelta

from ..windows import DAY, Window
from .base import Detector, Finding, rows

_FAVOURS = """
SELECT actor_id, benefits_user_id, array_agg(event_id ORDER BY event_id),
       bool_or(occurred_at >= %(start)s), bool_or(benefits_by_name)
FROM audit_lookupexplanation
WHERE occurred_at > %(since)s AND occurred_at < %(end)s AND basis = 'grant'
  AND benefits_user_id IS NOT NULL AND actor_id IS NOT NULL
GROUP BY actor_id, benefits_user_id
"""


def find(window: Window, params: dict) -> list[Finding]:
    since = window.end - timedelta(days=params["history_days"])
    favours = {
        (actor, beneficiary): (ids, recent, by_name)
        for actor, beneficiary, ids, recent, by_name in rows(
            _FAVOURS, {"start": window.start, "end": window.end, "since": since}
        )
    }
    findings = []
    for (actor, beneficiary), (ids, recent, by_name) in sorted(favours.items()):
        returned = favours.get((beneficiary, actor))
        # A pair is complete on the day of its second favour: both are raised then.
        if not (recent and (returned or by_name)) and not (returned and returned[1]):
            continue
        evidence = sorted(ids + (returned[0] if returned else []))
        summary = (
            "Broke glass on a child of a colleague's household, and that colleague did the "
            "same for them."
            if returned
            else "Broke glass on a child who shares a colleague's family name and home postcode."
        )
        findings.append(
            Finding(
                subject_id=actor,
                severity="high" if returned else "medium",
                summary=summary,
                evidence_ids=evidence,
                evidence_count=len(evidence),
                key=f"{window.day.isoformat()}-{beneficiary}",
            )
        )
    return findings


DETECTOR = Detector(
    name="collusion",
    label="Break-glass for a colleague",
    window=DAY,
    find=find,
    explanation=(
        "Someone who would not look up their own family may ask a colleague to do it "
        "through emergency access, and return the favour. This alert is raised when a "
        "person uses emergency access to open a child who shares a colleague's family name "
        "and home postcode, or when two colleagues each open a child living at the other's "
        "home postcode."
    ),
)
