"""A user looking up children who share their own family name or address.

Threat: the 2009 misuse — staff "testing" the system on relatives, neighbours, an ex-partner's
children. Users' family name and home postcode are held for this. A lookup on the user's own
caseload is explained whatever the name; a very common family name (Smith) alone suggests no
relation; searching for one's own family name again and again does.
"""

from __future__ import annotations

from ..windows import DAY, Window
from .base import EVIDENCE_CAP, Detector, Finding, rows

_LOOKUPS = """
SELECT actor_id, bool_or(shares_address),
       array_agg(event_id ORDER BY event_id), count(*)
FROM audit_lookupexplanation
WHERE occurred_at >= %(start)s AND occurred_at < %(end)s AND actor_id IS NOT NULL
  AND basis <> 'own_caseload'
  AND (shares_address OR (shares_family_name AND NOT common_family_name))
GROUP BY actor_id HAVING bool_or(shares_address) OR count(*) >= %(min_lookups)s
"""

_SEARCHES = """
SELECT e.actor_id, array_agg(e.id ORDER BY e.id), count(*)
FROM audit_accessevent e JOIN access_user u ON u.id = e.actor_id
WHERE e.occurred_at >= %(start)s AND e.occurred_at < %(end)s AND e.action = 'search'
  AND u.last_name <> ''
  AND cp_name_key(coalesce(e.criteria->>'family_name', '')) = cp_name_key(u.last_name)
GROUP BY e.actor_id HAVING count(*) >= %(searches)s
"""


def find(window: Window, params: dict) -> list[Finding]:
    span = {"start": window.start, "end": window.end}
    found: dict[int, Finding] = {}
    for actor_id, address, ids, count in rows(
        _LOOKUPS, {**span, "min_lookups": params["min_name_lookups"]}
    ):
        what = "at their own home postcode" if address else "with their own family name"
        found[actor_id] = Finding(
            subject_id=actor_id,
            severity="high" if address else "medium",
            summary=f"Opened {count} record(s) of children {what}, not on their caseload.",
            evidence_ids=ids[:EVIDENCE_CAP],
            evidence_count=count,
            key=window.day.isoformat(),
        )
    for actor_id, ids, count in rows(_SEARCHES, {**span, "searches": params["own_name_searches"]}):
        if actor_id not in found:
            found[actor_id] = Finding(
                subject_id=actor_id,
                severity="medium",
                summary=f"Searched {count} times for children with their own family name.",
                evidence_ids=ids[:EVIDENCE_CAP],
                evidence_count=count,
                key=window.day.isoformat(),
            )
    return [found[actor_id] for actor_id in sorted(found)]


DETECTOR = Detector(
    name="own_family",
    label="Own family name or address",
    window=DAY,
    find=find,
    description=__doc__,
)
