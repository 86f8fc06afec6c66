"""What the directory says about each logged lookup, for misuse review.

Rule (review): each lookup is explained from the data — every relation that holds (the
user is the child's named practitioner or a teammate is; their organisation works with the
child or with a brother or sister at the same address; a contact request the user made or
handles; a grant; a shielded child and a shielding role; the child lives in their authority)
and their strength (``LookupExplanation.RELATION_STRENGTH``) — and what the data cannot
explain, or explains by residence alone, is what the unexplained-lookup detectors count. This reads
child rows, so it lives in the gateway; it shows nothing to anyone and writes only derived
facts (``audit.LookupExplanation``) keyed by the log's own event ids.

Relations are judged on the day of the lookup (an involvement that ended since still explains
a view made while it was open), except that the child's family name and postcode are today's:
the data keeps no history of them. The postcode is compared through its blind index
(``directory/sealing``): the users' home postcodes are indexed here, in Python, under the same
key, since the database holds no child's postcode to compare them with.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection

from access.models import Role
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
Relation = LookupExplanation.Relation


def same_household_sql(a: str, b: str) -> str:
    """Child rows ``a`` and ``b`` live in one household: the same family name and postcode,
    compared through the postcode's blind index (``directory/sealing``); the one place review
    compares two children's addresses."""
    return f"{a}.family_key = {b}.family_key AND {a}.postcode_index = {b}.postcode_index"


def at_postcode_sql(alias: str, child: str) -> str:
    """The children at child row ``child``'s postcode, as a derived table named ``alias``,
    for ``same_household_sql`` to filter. Read through the postcode's index alone: ``OFFSET
    0`` keeps the planner from also reading the family-name index, whose entries for a
    common name (about 2,000 among 1.5 million children) it scanned for every lookup — 12 of
    a national chunk's 16 seconds, for the eight or so children a postcode holds."""
    return (
        f"(SELECT * FROM directory_child WHERE postcode_index = {child}.postcode_index "  # noqa: S608 - aliases only
        f"OFFSET 0) {alias}"
    )


def shares_address_sql(child_postcode: str, user_postcode: str) -> str:
    """The child lives at the user's home postcode: two blind indexes (``homes`` holds the
    users', indexed in Python under the same key); NULL when either is unknown."""
    return f"({child_postcode} = {user_postcode})"


# Each relation's column in ``_explain_sql``'s facts, in the order an explanation lists them
# (strongest first); the late settle puts ``case_opened`` in its place by the same order.
_RELATION_COLUMNS = (
    ("own", Relation.OWN_CASELOAD), ("team_case", Relation.TEAM_CASE),
    ("involved", Relation.INVOLVEMENT), ("household", Relation.HOUSEHOLD),
    ("contact_request", Relation.CONTACT_REQUEST), ("case_opened", Relation.CASE_OPENED),
    ("upkeep", Relation.RECORD_UPKEEP), ("granted", Relation.GRANT),
    ("shield_role", Relation.SHIELD_ROLE), ("resident", Relation.RESIDENCE),
)  # fmt: skip


def _relations_sql() -> str:
    """Each relation that holds, as an array of ``Relation`` values, strongest first."""
    parts = ", ".join(
        f"CASE WHEN f.{column} THEN '{value.value}' END" for column, value in _RELATION_COLUMNS
    )
    return f"array_remove(ARRAY[{parts}]::varchar[], NULL)"


def _strength_sql() -> str:
    """The strongest relation's strength (``LookupExplanation.RELATION_STRENGTH``)."""
    columns = {
        Relation.OWN_CASELOAD: "own", Relation.TEAM_CASE: "team_case",
        Relation.INVOLVEMENT: "involved", Relation.HOUSEHOLD: "household",
        Relation.CONTACT_REQUEST: "contact_request", Relation.CASE_OPENED: "case_opened",
        Relation.RECORD_UPKEEP: "upkeep", Relation.GRANT: "granted",
        Relation.SHIELD_ROLE: "shield_role", Relation.RESIDENCE: "resident",
    }  # fmt: skip
    cases = " ".join(
        f"WHEN f.{columns[relation]} THEN {int(strength)}"
        for relation, strength in sorted(
            LookupExplanation.RELATION_STRENGTH.items(), key=lambda item: -item[1]
        )
    )
    return f"CASE {cases} ELSE 0 END"


def _within(column: str) -> str:
    """``column`` (an instant) from 30 days before the lookup, as for a contact request, to
    the explanation's ``after_days`` (a parameter) after it."""
    return (
        f"{column} > l.occurred_at - interval '30 days' "
        f"AND {column} <= l.occurred_at + make_interval(days => %s)"
    )


def _case_opened_sql(days: int) -> SQL:
    """A case opened with the child (row ``c``) from the lookup's day (``l.day``) to ``days``
    after it, by the lookup's organisation (``l.organisation_id``) or, for a
    children's-services user (their organisation row ``o``), by any children's-services
    organisation of their authority: a referral taken on by the day team or another team.

    One text for the settle (``MISUSE_FOLLOW_UP_DAYS``) and the late settle
    (``MISUSE_LATE_FOLLOW_UP_DAYS``), so the two cannot come to mean different things."""
    la_kind, la_kind_params = childrens_services_sql("o")
    la_kind_opened, la_kind_opened_params = childrens_services_sql("fo")
    sql = f"""EXISTS (
               SELECT 1 FROM directory_involvement fi
               JOIN directory_organisation fo ON fo.id = fi.organisation_id
               WHERE fi.child_id = c.id
                 AND fi.started_on >= l.day AND fi.started_on <= l.day + %s
                 AND (fi.organisation_id = l.organisation_id OR (
                      {la_kind} AND {la_kind_opened}
                      AND fo.local_authority_id = o.local_authority_id))
           )"""  # noqa: S608 - the scope fragments only; every value is a parameter
    return sql, [days, *la_kind_params, *la_kind_opened_params]


def _explain_sql(*, events: SQL, common: int, homes: SQL, after_days: int, settled: bool) -> SQL:
    """The statement that explains the lookups among ``events`` (a condition on the log's
    row ``e``), built from the scope fragments (``scope.py``) with the day and the instant
    of each lookup in place of today and now.

    Traces that follow a lookup (a contact request, a record's upkeep) count up to
    ``after_days`` after it; a case opened after it (``case_opened``) only once ``settled``:
    the first pass, minutes after the lookup, cannot see the days that follow, and in the
    benchmark, whose directory holds the whole month from the start, must not.

    ``facts`` is materialised: each relation is an EXISTS read once per lookup, then used
    for the basis, the list of relations and the strength. ``benefits`` (for grants: the
    colleague at whose home the child lives, a namesake first) is one join of the chunk's
    grants with the users' homes: as a lateral subquery per lookup it scanned every home
    for every lookup, grant or not (a national day's explain went from 3 minutes to a
    projected 2 hours; docs/performance.md, session 11)."""
    day, at = column_sql("l.day"), column_sql("l.occurred_at")
    case_opened, case_opened_params = _case_opened_sql(after_days)
    granted, granted_params = granted_sql(child="c.id", requester=column_sql("l.actor_id"), at=at)
    la_kind, la_kind_params = childrens_services_sql("o")
    resident, resident_params = resident_sql(
        "c", local_authority=column_sql("o.local_authority_id")
    )
    own, own_params = involvement_active_sql("i", day)
    team, team_params = involvement_active_sql("ti", day)
    involved, involved_params = involved_sql(
        child="c.id", organisation=column_sql("l.organisation_id"), day=day
    )
    sibling, sibling_params = involved_sql(
        child="sib.id", organisation=column_sql("l.organisation_id"), day=day
    )
    sql = f"""
WITH homes AS (
    SELECT * FROM unnest(%s::bigint[], %s::bigint[]) AS h(user_id, postcode_index)
), lookups AS (
    SELECT e.id, e.occurred_at, e.actor_id, e.organisation_id, e.action, e.outcome,
           e.child_public_id,
           (e.occurred_at AT TIME ZONE %s)::date AS day
    FROM audit_accessevent e
    WHERE {events[0]}
      AND e.child_public_id <> '' AND e.action = ANY(%s)
), facts AS MATERIALIZED (
    SELECT l.*, c.id AS child_id, c.shielded, c.family_key, c.postcode_index AS child_postcode,
           u.last_name, h.postcode_index AS home_postcode,
           c.id IS NOT NULL AND EXISTS (
               SELECT 1 FROM directory_involvement i
               JOIN directory_practitioner p ON p.id = i.practitioner_id
               WHERE i.child_id = c.id AND p.user_id = l.actor_id AND {own}
           ) AS own,
           c.id IS NOT NULL AND EXISTS (
               SELECT 1 FROM directory_involvement ti
               JOIN directory_practitioner tp ON tp.id = ti.practitioner_id
               JOIN access_user mate ON mate.id = tp.user_id
               WHERE ti.child_id = c.id AND mate.id <> l.actor_id AND {team}
                 AND (mate.supervisor_id = u.supervisor_id OR mate.supervisor_id = u.id
                      OR mate.id = u.supervisor_id)
           ) AS team_case,
           c.id IS NOT NULL AND {involved} AS involved,
           c.id IS NOT NULL AND EXISTS (
               SELECT 1 FROM {at_postcode_sql("sib", "c")}
               WHERE {same_household_sql("sib", "c")} AND sib.id <> c.id AND {sibling}
           ) AS household,
           c.id IS NOT NULL AND EXISTS (
               SELECT 1 FROM access_contactrequest r
               WHERE r.child_id = c.id
                 AND (r.requester_id = l.actor_id OR r.assignee_id = l.actor_id)
                 AND r.created_at <= l.occurred_at + make_interval(days => %s)
                 AND r.created_at > l.occurred_at - interval '30 days'
           ) AS contact_request,
           c.id IS NOT NULL AND %s AND {case_opened} AS case_opened,
           c.id IS NOT NULL AND (EXISTS (
               SELECT 1 FROM directory_correction k
               WHERE k.child_id = c.id AND (
                   (k.reported_by_id = l.actor_id AND {_within("k.reported_at")})
                   OR (k.decided_by_id = l.actor_id AND {_within("k.decided_at")}))
           ) OR EXISTS (
               SELECT 1 FROM directory_feedreview fr
               WHERE fr.child_id = c.id AND fr.decided_by_id = l.actor_id
                 AND {_within("fr.decided_at")}
           ) OR EXISTS (
               SELECT 1 FROM directory_childmerge m
               WHERE (m.kept_id = c.id OR m.merged_id = c.id) AND m.merged_by_id = l.actor_id
                 AND {_within("m.merged_at")}
           )) AS upkeep,
           c.id IS NOT NULL AND {granted} AS granted,
           coalesce(c.shielded AND u.role = %s AND {la_kind} AND {resident}, false)
               AS shield_role,
           coalesce({la_kind} AND {resident}, false) AS resident,
           (SELECT min(home.id) FROM {at_postcode_sql("home", "c")}
            WHERE {same_household_sql("home", "c")}) AS household_id
    FROM lookups l
    LEFT JOIN directory_child c ON c.public_id = l.child_public_id
    LEFT JOIN directory_organisation o ON o.id = l.organisation_id
    LEFT JOIN access_user u ON u.id = l.actor_id
    LEFT JOIN homes h ON h.user_id = l.actor_id
), benefits AS (
    SELECT DISTINCT ON (f.id) f.id, colleague.id AS colleague_id,
           cp_name_key(colleague.last_name) = f.family_key AS by_name
    FROM facts f
    JOIN homes colleague_home
      ON {shares_address_sql("f.child_postcode", "colleague_home.postcode_index")}
    JOIN access_user colleague ON colleague.id = colleague_home.user_id
    WHERE f.granted AND colleague.organisation_id = f.organisation_id
      AND colleague.id <> f.actor_id
    ORDER BY f.id, cp_name_key(colleague.last_name) = f.family_key DESC, colleague.id
)
INSERT INTO audit_lookupexplanation (
    event_id, occurred_at, actor_id, action, outcome, child_public_id, basis, child_shielded,
    shares_family_name, shares_address, common_family_name, benefits_user_id,
    benefits_by_name, relations, strength, household_id
)
SELECT f.id, f.occurred_at, f.actor_id, f.action, f.outcome, f.child_public_id,
    CASE
        WHEN f.child_id IS NULL THEN %s
        WHEN f.own THEN %s
        WHEN f.involved THEN %s
        WHEN f.granted THEN %s
        WHEN f.resident THEN %s
        ELSE %s
    END,
    coalesce(f.shielded, false),
    coalesce(f.last_name <> '' AND f.family_key = cp_name_key(f.last_name), false),
    coalesce({shares_address_sql("f.child_postcode", "f.home_postcode")}, false),
    coalesce(f.last_name <> '' AND f.family_key = cp_name_key(f.last_name) AND (
        SELECT count(*) FROM (
            SELECT 1 FROM directory_child same WHERE same.family_key = f.family_key
            LIMIT %s
        ) capped
    ) >= %s, false),
    benefits.colleague_id,
    coalesce(benefits.by_name, false),
    {_relations_sql()},
    {_strength_sql()},
    f.household_id
FROM facts f
LEFT JOIN benefits ON benefits.id = f.id
ON CONFLICT (event_id) DO NOTHING
"""  # noqa: S608 - the scope fragments and constants; every value is a parameter
    params = [*homes[1], settings.TIME_ZONE, *events[1], list(RECORD_LOOKUP_ACTIONS)]
    params += own_params + team_params + involved_params + sibling_params
    params += [after_days, settled, *case_opened_params]
    params += [after_days] * 4 + granted_params
    params += [Role.DATA_MANAGER.value, *la_kind_params, *resident_params]
    params += la_kind_params + resident_params
    params += [Basis.NONE, Basis.OWN_CASELOAD, Basis.INVOLVEMENT]
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
        events = ("e.id > %s AND e.id <= %s", [after_id, through_id])
        cursor.execute(
            *_explain_sql(events=events, common=common, homes=homes, after_days=1, settled=False)
        )
        return cursor.rowcount


def lookup_facts_settle(*, start: datetime, end: datetime) -> int:
    """Explain again, once the days that follow them have passed, the lookups made in
    ``[start, end)`` that nothing stronger than residence explained; return how many.

    Rule (review): a referral is opened before its case exists, so a lookup is judged
    unexplained only after ``MISUSE_FOLLOW_UP_DAYS``, with what followed it (a case opened
    by the user's organisation or their authority's children's services, a request, a
    correction). Only the weak explanations are dropped and written again, in the caller's
    transaction; the strong and medium ones cannot change. Runs once per day window."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM audit_lookupexplanation "
            "WHERE occurred_at >= %s AND occurred_at < %s AND strength <= %s",
            [start, end, int(LookupExplanation.Strength.WEAK)],
        )
        if not cursor.rowcount:
            return 0
        common = _common_family_name_count(cursor)
        cursor.execute(
            "SELECT min(id), max(id) FROM audit_accessevent "
            "WHERE occurred_at >= %s AND occurred_at < %s",
            [start, end],
        )
        first, last = cursor.fetchone()
        homes = _home_indexes(cursor, after_id=first - 1, through_id=last)
        events = (
            "e.occurred_at >= %s AND e.occurred_at < %s AND NOT EXISTS ("
            "SELECT 1 FROM audit_lookupexplanation done WHERE done.event_id = e.id)",
            [start, end],
        )
        after = settings.MISUSE_FOLLOW_UP_DAYS
        cursor.execute(
            *_explain_sql(events=events, common=common, homes=homes, after_days=after, settled=True)
        )
        return cursor.rowcount


_SETTLE_LATE = """
UPDATE audit_lookupexplanation x
SET relations = ARRAY(
        SELECT r FROM unnest(x.relations || %s::varchar) r
        ORDER BY array_position(%s::varchar[], r)),
    strength = %s
FROM (
    SELECT l.id
    FROM (
        SELECT e.id, e.organisation_id, e.child_public_id,
               (e.occurred_at AT TIME ZONE %s)::date AS day
        FROM audit_accessevent e
        JOIN audit_lookupexplanation weak ON weak.event_id = e.id
        WHERE e.occurred_at >= %s AND e.occurred_at < %s
          AND weak.occurred_at >= %s AND weak.occurred_at < %s AND weak.strength <= %s
    ) l
    JOIN directory_child c ON c.public_id = l.child_public_id
    LEFT JOIN directory_organisation o ON o.id = l.organisation_id
    WHERE {case_opened}
) late
WHERE x.event_id = late.id AND x.strength <= %s
"""


def lookup_facts_settle_late(*, start: datetime, end: datetime) -> int:
    """Explain again, ``MISUSE_LATE_FOLLOW_UP_DAYS`` after them, the lookups made in
    ``[start, end)`` that are still weak after the settle, by a case opened with the child
    over that longer window alone; return how many are now explained.

    Rule (review, session 13): an assessment can take longer than the settle's days to open
    as a case (on the tuning seed, a case 6-10 days later followed about 16 % of the real
    lookups residence alone still explained, and 5.5 % of random children's). The
    unexplained-lookup detectors do not wait for it — their alerts would come too late to
    act on — so this stage only adds the relation to the stored explanation (reviewers see
    it on the alert's evidence) and lets the caller count the day again. Only
    ``case_opened`` is read again: the other traces that follow a lookup (a request, a
    correction) come within minutes or days and are not what the longer wait is for."""
    order = [relation.value for _column, relation in _RELATION_COLUMNS]
    case_opened, case_opened_params = _case_opened_sql(settings.MISUSE_LATE_FOLLOW_UP_DAYS)
    weak = int(LookupExplanation.Strength.WEAK)
    with connection.cursor() as cursor:
        cursor.execute(
            _SETTLE_LATE.format(case_opened=case_opened),
            [Relation.CASE_OPENED.value, order, int(LookupExplanation.Strength.MEDIUM),
             settings.TIME_ZONE, start, end, start, end, weak, *case_opened_params, weak],
        )  # fmt: skip
        return cursor.rowcount


def _home_indexes(cursor, *, after_id: int, through_id: int) -> SQL:
    """The blind index of the home postcode of each user the chunk can name: the lookers
    and their colleagues (the organisations in the chunk), as two parallel arrays."""
    # Two semi-joins and a UNION, not one OR of two IN lists: under OR the planner keeps
    # each list as a subplan, hashed only while it fits in work_mem — for a settled day's
    # 2.5 million events it scanned the whole list again for every user (session 11).
    cursor.execute(
        """WITH chunk AS MATERIALIZED (
               SELECT DISTINCT organisation_id, actor_id FROM audit_accessevent
               WHERE id > %s AND id <= %s)
           SELECT id, home_postcode FROM access_user WHERE home_postcode <> ''
             AND organisation_id IN (SELECT organisation_id FROM chunk)
           UNION
           SELECT id, home_postcode FROM access_user WHERE home_postcode <> ''
             AND id IN (SELECT actor_id FROM chunk)""",
        [after_id, through_id],
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


def directory_size() -> tuple[float, int]:
    """(children in the directory, local authorities): the denominators the unexplained-lookup
    detectors score chance with. Counted, not the planner's estimate: a stale estimate (a
    table never analysed since it grew) would make every coincidence look improbable. An
    index-only count, once per day window; no child row is read."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM directory_child),"
            " (SELECT count(*) FROM directory_localauthority)"
        )
        children, authorities = cursor.fetchone()
    return max(float(children or 1), 1.0), max(int(authorities or 1), 1)


_DIRECTORY_SHARES = """
WITH asked AS (
    SELECT * FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[])
        AS a(actor_id, home_child, name_child)
), home AS (
    SELECT a.actor_id, c.local_authority_id AS authority, c.postcode_index
    FROM asked a JOIN directory_child c ON c.public_id = a.home_child
), namesake AS (
    SELECT a.actor_id, c.local_authority_id AS authority, c.family_key
    FROM asked a JOIN directory_child c ON c.public_id = a.name_child
), sizes AS (
    SELECT local_authority_id AS authority, count(*)::float AS children FROM directory_child
    WHERE local_authority_id IN (SELECT authority FROM home UNION SELECT authority FROM namesake)
    GROUP BY local_authority_id
)
SELECT a.actor_id,
       (SELECT count(*) FROM directory_child d
        WHERE d.postcode_index = h.postcode_index AND d.local_authority_id = h.authority)
           / hs.children,
       (SELECT count(*) FROM directory_child d
        WHERE d.local_authority_id = n.authority AND d.family_key = n.family_key)
           / ns.children
FROM asked a
LEFT JOIN home h USING (actor_id) LEFT JOIN sizes hs ON hs.authority = h.authority
LEFT JOIN namesake n USING (actor_id) LEFT JOIN sizes ns ON ns.authority = n.authority
"""


def directory_shares(
    matched: dict[int, tuple[str | None, str | None]],
) -> dict[int, tuple[float | None, float | None]]:
    """For each user, from the public ids of a child they opened at their own postcode and
    of one with their family name (either None): the share of that child's authority's
    children at the same postcode, and the share with the same family name (None where no
    child was given). ``own_family``'s prior for how often such a match happens by chance
    (issue 21, session 13); here, in the gateway, because it reads the child table — the
    review gets two numbers per user and no child's details. One statement per call, through
    the (authority, family name) and postcode indexes."""
    if not matched:
        return {}
    users = list(matched)
    with connection.cursor() as cursor:
        cursor.execute(
            _DIRECTORY_SHARES,
            [users, [matched[u][0] for u in users], [matched[u][1] for u in users]],
        )
        return {user: (home, name) for user, home, name in cursor.fetchall()}
