"""Off-hours bursts.

Threat: lookups at night or at the weekend by someone who never works then are lookups
nobody is around to question. Night and weekend workers (out-of-hours GPs, emergency duty
teams) are measured against their own habits, so their normal nights raise nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from access.gateway.lookup_facts import LOOKUP_ACTIONS

from ..windows import DAY, Window
from .base import Detector, Finding, events_of, rows

_OFF_HOURS = """
WITH today AS (
    SELECT actor_id, off_hours_lookups FROM audit_activityday
    WHERE day = %(day)s AND off_hours_lookups >= %(min)s
)
SELECT t.actor_id, t.off_hours_lookups,
       coalesce(sum(a.off_hours_lookups), 0), coalesce(sum(a.lookups), 0)
FROM today t LEFT JOIN audit_activityday a
     ON a.actor_id = t.actor_id AND a.day >= %(since)s AND a.day < %(day)s
GROUP BY t.actor_id, t.off_hours_lookups
"""


def find(window: Window, params: dict) -> list[Finding]:
    since = window.day - timedelta(days=params["history_days"])
    opens, closes = settings.MISUSE_WORKING_HOURS
    findings = []
    for actor_id, off_hours, past_off, past_all in rows(
        _OFF_HOURS,
        {"day": window.day, "since": since, "min": params["min_off_hours_lookups"]},
    ):
        usual_share = past_off / past_all if past_all else 0.0
        if usual_share > params["max_usual_share"]:
            continue
        ids, count = events_of(actor_id, window, LOOKUP_ACTIONS)
        findings.append(
            Finding(
                subject_id=actor_id,
                severity="medium",
                summary=(
                    f"Opened {off_hours} records outside working hours ({closes}:00–{opens}:00 "
                    f"or at the weekend); usually {usual_share:.0%} of their lookups are."
                ),
                evidence_ids=ids,
                evidence_count=count,
                key=window.day.isoformat(),
            )
        )
    return findings


DETECTOR = Detector(
    name="off_hours",
    label="Off-hours burst",
    window=DAY,
    find=find,
    description=__doc__,
)
