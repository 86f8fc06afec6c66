"""Off-hours bursts.

Threat: lookups at night or at the weekend by someone who never works then are lookups
nobody is around to question. Night and weekend workers (out-of-hours GPs, emergency duty
teams) are measured against their own habits, so their normal nights raise nothing. Someone
who does some evening work (but mostly works days) is still flagged for a burst several
times larger than any off-hours day in their past: a habit of checking a few records after
dinner does not cover a night of two dozen.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from audit.models import RECORD_LOOKUP_ACTIONS

from ..windows import DAY, Window
from .base import Detector, Finding, events_of, rows

_OFF_HOURS = """
WITH today AS (
    SELECT actor_id, off_hours_lookups FROM audit_activityday
    WHERE day = %(day)s AND off_hours_lookups >= %(min)s
)
SELECT t.actor_id, t.off_hours_lookups,
       coalesce(sum(a.off_hours_lookups), 0), coalesce(sum(a.lookups), 0),
       coalesce(max(a.off_hours_lookups), 0)
FROM today t LEFT JOIN audit_activityday a
     ON a.actor_id = t.actor_id AND a.day >= %(since)s AND a.day < %(day)s
GROUP BY t.actor_id, t.off_hours_lookups
"""


def find(window: Window, params: dict) -> list[Finding]:
    since = window.day - timedelta(days=params["history_days"])
    opens, closes = settings.MISUSE_WORKING_HOURS
    findings = []
    for actor_id, off_hours, past_off, past_all, most in rows(
        _OFF_HOURS,
        {"day": window.day, "since": since, "min": params["min_off_hours_lookups"]},
    ):
        usual_share = past_off / past_all if past_all else 0.0
        mostly_days = usual_share <= params["burst_max_usual_share"]
        burst = mostly_days and off_hours >= params["burst_ratio"] * max(most, 1)
        if usual_share > params["max_usual_share"] and not burst:
            continue
        ids, count = events_of(actor_id, window, RECORD_LOOKUP_ACTIONS)
        findings.append(
            Finding(
                subject_id=actor_id,
                severity="medium",
                summary=(
                    f"Opened {off_hours} records outside working hours ({closes}:00–{opens}:00 "
                    f"or at the weekend); usually {usual_share:.0%} of their lookups are, and "
                    f"their most on any day of the last {params['history_days']} was {most}."
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
    explanation=(
        "Lookups at night or at the weekend by someone who does not usually work then are "
        "lookups nobody is around to question. Night and weekend workers are compared with "
        "their own usual nights, so their normal work raises nothing."
    ),
)
