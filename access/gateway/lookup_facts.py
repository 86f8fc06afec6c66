"""What the directory says about each logged lookup, for misuse review.

Rule (review): each lookup is explained from the data — the user is the child's named
practitioner, their organisation works with the child, the child lives in their authority, or
they held a grant — and what the data cannot explain is what the detectors look at. This reads
child rows, so it lives in the gateway; it shows nothing to anyone and writes only derived
facts (``audit.LookupExplanation``) keyed by the log's own event ids.

Relations are judged on the day of the lookup (an involvement that ended since still explains
a view made while it was open), except that the child's family name and postcode are today's:
the data keeps no history of them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection

# Events that show (or try to show) one child's record.
LOOKUP_ACTIONS = (
    "view",
    "shield_full_view",
    "shield_override",
    "shield_denied",
    "contact_request",
)

_EXPLAIN = """
WITH lookups AS (
    SELECT e.id, e.occurred_at, e.actor_id, e.organisation_id, e.action, e.outcome,
           e.child_public_id,
           (e.occurred_at AT TIME ZONE %(tz)s)::date AS day
    FROM audit_accessevent e
    WHERE e.id > %(after)s AND e.id <= %(through)s
      AND e.child_public_id <> '' AND e.action = ANY(%(actions)s)
), facts AS (
    SELECT l.*, c.id AS child_id, c.shielded, c.family_key, c.postcode AS child_postcode,
           c.local_authority_id AS child_la, o.kind AS org_kind, o.local_authority_id AS org_la,
           u.last_name, u.home_postcode,
           EXISTS (
               SELECT 1 FROM access_accessrequest r
               WHERE r.requester_id = l.actor_id AND r.child_id = c.id AND r.status = 'granted'
                 AND r.granted_at <= l.occurred_at AND r.expires_at > l.occurred_at
           ) AS granted
    FROM lookups l
    LEFT JOIN directory_child c ON c.public_id = l.child_public_id
    LEFT JOIN directory_organisation o ON o.id = l.organisation_id
    LEFT JOIN access_user u ON u.id = l.actor_id
)
INSERT INTO audit_lookupexplanation (
    event_id, occurred_at, actor_id, action, outcome, child_public_id, basis, child_shielded,
    shares_family_name, shares_address, common_family_name, benefits_user_id
)
SELECT f.id, f.occurred_at, f.actor_id, f.action, f.outcome, f.child_public_id,
    CASE
        WHEN f.child_id IS NULL THEN 'none'
        WHEN EXISTS (
            SELECT 1 FROM directory_involvement i
            JOIN directory_practitioner p ON p.id = i.practitioner_id
            WHERE i.child_id = f.child_id AND p.user_id = f.actor_id
              AND i.started_on <= f.day AND (i.ended_on IS NULL OR i.ended_on > f.day)
        ) THEN 'own_caseload'
        WHEN EXISTS (
            SELECT 1 FROM directory_involvement i
            WHERE i.child_id = f.child_id AND i.organisation_id = f.organisation_id
              AND i.started_on <= f.day AND (i.ended_on IS NULL OR i.ended_on > f.day)
        ) THEN 'involvement'
        WHEN f.granted THEN 'grant'
        WHEN f.org_kind = 'la_childrens_services' AND f.child_la = f.org_la THEN 'residence'
        ELSE 'none'
    END,
    coalesce(f.shielded, false),
    coalesce(f.last_name <> '' AND f.family_key = cp_name_key(f.last_name), false),
    coalesce(f.home_postcode <> '' AND f.child_postcode = f.home_postcode, false),
    coalesce(f.last_name <> '' AND f.family_key = cp_name_key(f.last_name) AND (
        SELECT count(*) FROM (
            SELECT 1 FROM directory_child same WHERE same.family_key = f.family_key
            LIMIT %(common)s
        ) capped
    ) >= %(common)s, false),
    CASE WHEN f.granted THEN (
        SELECT colleague.id FROM access_user colleague
        WHERE colleague.organisation_id = f.organisation_id AND colleague.id <> f.actor_id
          AND colleague.home_postcode = f.child_postcode
          AND cp_name_key(colleague.last_name) = f.family_key
        ORDER BY colleague.id LIMIT 1
    ) END
FROM facts f
ON CONFLICT (event_id) DO NOTHING
"""


def lookup_facts_record(*, after_id: int, through_id: int) -> int:
    """Explain the lookups among events ``after_id < id <= through_id``; return how many.

    Runs in the caller's transaction, which also moves the review watermark, so a chunk is
    explained exactly once; ``ON CONFLICT`` makes a repeated chunk harmless all the same.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _EXPLAIN,
            {
                "tz": settings.TIME_ZONE,
                "after": after_id,
                "through": through_id,
                "actions": list(LOOKUP_ACTIONS),
                "common": _common_family_name_count(cursor),
            },
        )
        return cursor.rowcount


def _common_family_name_count(cursor) -> int:
    """How many children must share a family name for it to count as common, from the
    planner's row estimate (cheap, and exact enough for a threshold)."""
    cursor.execute("SELECT greatest(reltuples, 0) FROM pg_class WHERE relname = 'directory_child'")
    row = cursor.fetchone()
    children = row[0] if row else 0
    return max(5, int(children * settings.MISUSE_COMMON_FAMILY_NAME_SHARE))
