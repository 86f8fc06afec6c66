"""What the directory says about each logged lookup, for misuse review.

Rule (review): each lookup is explained from the data — the user is the child's named
practitioner, their organisation works with the child, the child lives in their authority, or
they held a grant — and what the data cannot explain is what the detectors look at. This reads
child rows, so it lives in the gateway; it shows nothing to anyone and writes only derived
facts (``audit.LookupExplanation``) keyed by the log's own event ids.

Relations are judged on the day of the lookup (an involvement that ended since still explains
a view made while it was open), except that the child's family name and postcode are today's:
the data keeps no history of them. The postcode is compared through its blind index
(``directory/sealing``): the users' home postcodes are indexed here, in Python, under the same
key, since the database holds no child's postcode to compare them with.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from audit.models import RECORD_LOOKUP_ACTIONS, LookupExplanation
from directory.models import postcode_indexes

from .scope import (
    SQL,
    childrens_services_sql,
    column_sql,
    granted_sql,
    involved_sql,
    involvement_active_sql,
    resident_sql,
)

Basis = LookupExplanation.Basis


def _explain_sql(*, after_id: int, through_id: int, common: int, homes: SQL) -> SQL:
    """The statement that explains a chunk of lookups, built from the scope fragments
    (``scope.py``) with the day and the instant of each lookup in place of today and now."""
    day, at = column_sql("f.day"), column_sql("l.occurred_at")
    granted, granted_params = granted_sql(child="c.id", requester=column_sql("l.actor_id"), at=at)
    la_kind, la_kind_params = childrens_services_sql("o")
    resident, resident_params = resident_sql(
        "c", local_authority=column_sql("o.local_authority_id")
    )
    own, own_params = involvement_active_sql("i", day)
    involved, involved_params = involved_sql(
        child="f.child_id", organisation=column_sql("f.organisation_id"), day=day
    )
    sql = f"""
WITH homes AS (
    SELECT * FROM unnest(%s::bigint[], %s::bigint[]) AS h(user_id, postcode_index)
), lookups AS (
    SELECT e.id, e.occurred_at, e.actor_id, e.organisation_id, e.action, e.outcome,
           e.child_public_id,
           (e.occurred_at AT TIME ZONE %s)::date AS day
    FROM audit_accessevent e
    WHERE e.id > %s AND e.id <= %s
      AND e.child_public_id <> '' AND e.action = ANY(%s)
), facts AS (
    SELECT l.*, c.id AS child_id, c.shielded, c.family_key, c.postcode_index AS child_postcode,
           u.last_name, h.postcode_index AS home_postcode,
           {granted} AS granted,
           ({la_kind} AND {resident}) AS resident
    FROM lookups l
    LEFT JOIN directory_child c ON c.public_id = l.child_public_id
    LEFT JOIN directory_organisation o ON o.id = l.organisation_id
    LEFT JOIN access_user u ON u.id = l.actor_id
    LEFT JOIN homes h ON h.user_id = l.actor_id
)
INSERT INTO audit_lookupexplanation (
    event_id, occurred_at, actor_id, action, outcome, child_public_id, basis, child_shielded,
    shares_family_name, shares_address, common_family_name, benefits_user_id
)
SELECT f.id, f.occurred_at, f.actor_id, f.action, f.outcome, f.child_public_id,
    CASE
        WHEN f.child_id IS NULL THEN %s
        WHEN EXISTS (
            SELECT 1 FROM directory_involvement i
            JOIN directory_practitioner p ON p.id = i.practitioner_id
            WHERE i.child_id = f.child_id AND p.user_id = f.actor_id AND {own}
        ) THEN %s
        WHEN {involved} THEN %s
        WHEN f.granted THEN %s
        WHEN f.resident THEN %s
        ELSE %s
    END,
    coalesce(f.shielded, false),
    coalesce(f.last_name <> '' AND f.family_key = cp_name_key(f.last_name), false),
    coalesce(f.child_postcode = f.home_postcode, false),
    coalesce(f.last_name <> '' AND f.family_key = cp_name_key(f.last_name) AND (
        SELECT count(*) FROM (
            SELECT 1 FROM directory_child same WHERE same.family_key = f.family_key
            LIMIT %s
        ) capped
    ) >= %s, false),
    CASE WHEN f.granted THEN (
        SELECT colleague.id FROM access_user colleague
        JOIN homes colleague_home ON colleague_home.user_id = colleague.id
        WHERE colleague.organisation_id = f.organisation_id AND colleague.id <> f.actor_id
          AND colleague_home.postcode_index = f.child_postcode
          AND cp_name_key(colleague.last_name) = f.family_key
        ORDER BY colleague.id LIMIT 1
    ) END
FROM facts f
ON CONFLICT (event_id) DO NOTHING
"""  # noqa: S608 - the scope fragments and constants; every value is a parameter
    params = [*homes[1], settings.TIME_ZONE, after_id, through_id, list(RECORD_LOOKUP_ACTIONS)]
    params += granted_params + la_kind_params + resident_params
    params += [Basis.NONE, *own_params, Basis.OWN_CASELOAD, *involved_params, Basis.INVOLVEMENT]
    params += [Basis.GRANT, Basis.RESIDENCE, Basis.NONE, common, common]
    return sql, params


def lookup_facts_record(*, after_id: int, through_id: int) -> int:
    """Explain the lookups among events ``after_id < id <= through_id``; return how many.

    Runs in the caller's transaction, which also moves the review watermark, so a chunk is
    explained exactly once; ``ON CONFLICT`` makes a repeated chunk harmless all the same.
    """
    with connection.cursor() as cursor:
        common = _common_family_name_count(cursor)
        homes = _home_indexes(cursor, after_id=after_id, through_id=through_id)
        cursor.execute(
            *_explain_sql(after_id=after_id, through_id=through_id, common=common, homes=homes)
        )
        return cursor.rowcount


def _home_indexes(cursor, *, after_id: int, through_id: int) -> SQL:
    """The blind index of the home postcode of each user the chunk can name: the lookers
    and their colleagues (the organisations in the chunk), as two parallel arrays."""
    cursor.execute(
        """SELECT id, home_postcode FROM access_user WHERE home_postcode <> '' AND (
               organisation_id IN (SELECT organisation_id FROM audit_accessevent
                                   WHERE id > %s AND id <= %s)
               OR id IN (SELECT actor_id FROM audit_accessevent WHERE id > %s AND id <= %s))""",
        [after_id, through_id, after_id, through_id],
    )
    ids, indexes = [], []
    for user_id, postcode in cursor.fetchall():
        ids.append(user_id)
        indexes.append(postcode_indexes(postcode)[0])
    return "", [ids, indexes]


def _common_family_name_count(cursor) -> int:
    """How many children must share a family name for it to count as common, from the
    planner's row estimate (cheap, and exact enough for a threshold)."""
    cursor.execute("SELECT greatest(reltuples, 0) FROM pg_class WHERE relname = 'directory_child'")
    row = cursor.fetchone()
    children = row[0] if row else 0
    return max(5, int(children * settings.MISUSE_COMMON_FAMILY_NAME_SHARE))
