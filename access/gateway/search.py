"""Child search: ranked by how well each child matches, scoped in SQL, capped, audited in
the same transaction.

``child_search`` asks the matcher (``matcher.candidates_rank``) for candidates within the
user's scope and shows them with the evidence of what agreed, strong matches first and
possible matches after. ``children_matching`` is the strict filter the break-glass
directory search keeps: there, every typed detail must match, so that a search of the whole
directory cannot become a fishing tool. See docs/matching.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from access.models import User
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record
from directory.models import Child
from directory.normalise import date_of_birth_readings, given_name_variants
from directory.sealing import blind_index, keyring

from .gate import ensure_may_read
from .matcher import (
    SUMMARY_COLUMNS,
    Candidate,
    Evidence,
    MatchQuery,
    QueryKeys,
    candidates_rank,
    name_keys_lookup,
    query_keys_lookup,
)
from .replica import child_read
from .scope import (
    child_scope_sql,
    grant_live_sql,
    involvement_not_ended_sql,
    involvement_started_sql,
    resident_sql,
    value_sql,
)

# Ranking points: a former surname, a nickname and the typed (not swapped) date of birth
# count nearly as much as an exact name, so the intended child is in the top five.
FORMER_NAME_SCORE = 0.8
NICKNAME_SCORE = 0.8
EXACT_DATE_SCORE = 0.5
# SQL fragments name the child table as Django's queries do, so they fit into them.
_CHILD = '"directory_child"'
# A former surname among the keys; the "has one" half repeats the predicate of the partial
# index child_former_family, so that the planner can use it.
_FORMER = "({table}.former_family_keys && %s::text[] AND NOT {table}.former_family_keys = '{{}}')"


@dataclass(frozen=True)
class SearchCriteria:
    """What the user typed, already validated and normalised by the form."""

    family_name: str
    purpose: str
    given_name: str = ""
    date_of_birth: date | None = None
    postcode: str = ""
    postcode_is_outward: bool = False

    def for_audit(self) -> dict:
        data = asdict(self)
        data["date_of_birth"] = self.date_of_birth.isoformat() if self.date_of_birth else ""
        del data["purpose"], data["postcode_is_outward"]
        return {k: v for k, v in data.items() if v}


@dataclass(frozen=True)
class ChildSummary:
    """One search result. A shielded child shows only name, gender, date of birth and ID."""

    public_id: str
    given_name: str
    family_name: str
    date_of_birth: date
    gender: str
    shielded: bool
    town: str
    postcode: str
    # A ranked search says why a child is shown and how strongly; a strict one has no
    # evidence and every child is a match.
    strong: bool = True
    evidence: Evidence | None = None

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass(frozen=True)
class SearchResult:
    """The children shown, best first: strong matches, then possible ones."""

    children: list[ChildSummary] = field(default_factory=list)
    more_than_cap: bool = False

    @property
    def matches(self) -> list[ChildSummary]:
        return [child for child in self.children if child.strong]

    @property
    def possible(self) -> list[ChildSummary]:
        return [child for child in self.children if not child.strong]


def child_search(
    *, user: User, criteria: SearchCriteria, actor: Actor, today: date | None = None
) -> SearchResult:
    """Find children in ``user``'s scope matching ``criteria``; audit criteria and result ids.

    Rule (audit before data): the event naming every returned id is inserted in the same
    transaction as the query (reading a replica: committed on the primary right after it);
    if it fails, the caller gets an exception and no results.
    """
    today = today or timezone.localdate()
    ensure_may_read(
        user=user,
        actor=actor,
        today=today,
        purpose=criteria.purpose,
        criteria=criteria.for_audit(),
    )
    cap = settings.SEARCH_RESULT_CAP
    with transaction.atomic():
        # Read first (on a caught-up replica when one is configured), then the event naming
        # the result ids, committed on the primary before anything is returned: the event lists
        # what was found, so it cannot be written before the read.
        with child_read() as using:
            search_session_tune(using=using)
            query = MatchQuery(
                family_name=criteria.family_name,
                given_name=criteria.given_name,
                date_of_birth=criteria.date_of_birth,
            )
            keys = query_keys_lookup(query, using=using)
            ranked = candidates_rank(
                query=query,
                condition=_search_condition(user=user, criteria=criteria, keys=keys, today=today),
                limit=cap + 1,
                using=using,
                keys=keys,
            )
        children = [candidate_summary(candidate) for candidate in ranked[:cap]]
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.SEARCH,
            outcome=AccessEvent.Outcome.SHOWN if children else AccessEvent.Outcome.NOT_FOUND,
            purpose=criteria.purpose,
            criteria=criteria.for_audit(),
            result_ids=[c.public_id for c in children],
        )
    return SearchResult(children=children, more_than_cap=len(ranked) > cap)


def search_session_tune(using: str = DEFAULT_DB_ALIAS) -> None:
    """Per-transaction planner settings for search.

    The trigram threshold decides what counts as a typo; a parallel worker costs more than it
    saves on a 2-core machine for queries this selective.
    """
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true), "
            "set_config('max_parallel_workers_per_gather', '0', true)",
            [str(settings.SEARCH_TRIGRAM_THRESHOLD)],
        )


def _search_condition(
    *, user: User, criteria: SearchCriteria, keys: QueryKeys, today: date
) -> tuple[str, list]:
    """Which children may be candidates: active, in the user's scope, and in the postcode
    when one was typed (a postcode narrows; it is not weighed).

    Without a date of birth the candidates are every child with a family name like the one
    typed (or the given name, for names typed the wrong way round), so the condition also
    names where the planner can start from scope (``_scope_candidates``).
    """
    now = timezone.now()
    scope_sql, params = child_scope_sql(user=user, now=now, today=today)
    where = [f"{_CHILD}.status = %s", scope_sql]
    params = [Child.Status.ACTIVE.value, *params]
    postcode_sql, postcode_params = postcode_condition(criteria)
    where += postcode_sql
    params += postcode_params
    if not criteria.date_of_birth:
        narrow = _scope_candidates(user=user, family_keys=keys.all, now=now, today=today)
        where.append(narrow.sql)
        params += narrow.params
    return " AND ".join(where), params


def postcode_condition(criteria: SearchCriteria) -> tuple[list[str], list]:
    """A typed postcode (full, or the outward part) as conditions on the child row.

    Rule (shielding): a shielded child is never found by where they live. Rule (protection
    at rest): the postcode is compared through its blind index; the database holds no other.
    """
    if not criteria.postcode:
        return [], []
    key = keyring.current_key(keyring.INDEX, create=False)
    if key is None:
        # No child has ever been given a postcode, so none is at this one.
        return ["false"], []
    if criteria.postcode_is_outward:
        where = f"{_CHILD}.outward_index = %s"
        value = blind_index.outward_index(key.material, criteria.postcode)
    else:
        where = f"{_CHILD}.postcode_index = %s"
        value = blind_index.postcode_index(key.material, criteria.postcode)
    return [f"NOT {_CHILD}.shielded", where], [value]


def candidate_summary(candidate: Candidate) -> ChildSummary:
    return row_summary(candidate.row, strong=candidate.strong, evidence=candidate.evidence)


def row_summary(
    row: dict, *, strong: bool = True, evidence: Evidence | None = None
) -> ChildSummary:
    """A result from a row of ``SUMMARY_COLUMNS``. Rule (shielding): a shielded child shows
    only name, gender, date of birth and ID; where they live is not even opened."""
    shielded = row["shielded"]
    return ChildSummary(
        public_id=row["public_id"],
        given_name=row["given_name"],
        family_name=row["family_name"],
        date_of_birth=row["date_of_birth"],
        gender=Child.Gender(row["gender"]).label,
        shielded=shielded,
        town="" if shielded else _opened(row, "town"),
        postcode="" if shielded else _opened(row, "postcode"),
        strong=strong,
        evidence=evidence,
    )


def _opened(row: dict, name: str) -> str:
    """A sealed column of a matcher's result row, opened (bound to the child's public id)."""
    return Child.sealed_text(name, row[f"{name}_sealed"], row=row["public_id"])


def _scope_candidates(*, user: User, family_keys: list[str], now: datetime, today: date) -> RawSQL:
    """Ids of children with a matching current or former family name from which the
    planner can start: those the organisation works with today (the two ranges of
    involvement_org_active, read from the index alone), the user's live grants and, for
    children's services, the authority's residents; each read through its own index.

    Why: ``child_scope_q`` is an OR of EXISTS conditions, which PostgreSQL can only check
    row by row, so without this it starts from the name (170,000 Smiths in 12 million) and
    probes scope for each. Each branch joins name and scope, so the planner starts from
    whichever is smaller (a rare name, or a small school). This narrows the plan only;
    ``child_scope_q`` remains the rule and is applied to every row. A source missing here
    would hide children, never show one.
    """
    organisation = user.organisation
    day = value_sql(today)
    started, started_params = involvement_started_sql("directory_involvement", day)
    ranges, involved_params = [], []
    for running, running_params in involvement_not_ended_sql("directory_involvement", day):
        ranges.append(
            "SELECT child_id FROM directory_involvement "  # noqa: S608 - fragments only
            f"WHERE organisation_id = %s AND {running} AND {started}"
        )
        involved_params += [organisation.pk, *running_params, *started_params]
    involved = " UNION ALL ".join(ranges)
    former = _FORMER.format(table="directory_child")
    named = f"""SELECT id FROM directory_child WHERE family_key = ANY(%s::text[])
        UNION ALL
        SELECT id FROM directory_child WHERE {former}"""  # noqa: S608 - constants only
    if organisation.is_local_authority:
        # Children's services work with thousands of children: intersect the two id lists,
        # each read from an index alone, rather than fetch every child they work with.
        worked_with = f"({named}) INTERSECT ({involved})"
    else:
        worked_with = f"SELECT id FROM ({named}) AS named WHERE id IN ({involved})"  # noqa: S608
    granted, granted_params = grant_live_sql(
        "access_accessrequest", requester=value_sql(user.pk), at=value_sql(now)
    )
    sql = f"""{_CHILD}."id" IN (
        {worked_with}
        UNION ALL
        SELECT child_id FROM access_accessrequest
        WHERE {granted} AND child_id IS NOT NULL"""  # noqa: S608 - fragments; values are parameters
    params: list = [family_keys, family_keys, *involved_params, *granted_params]
    if organisation.is_local_authority:
        resident, resident_params = resident_sql(
            "directory_child", local_authority=value_sql(organisation.local_authority_id)
        )
        sql += f"""
        UNION ALL
        SELECT id FROM directory_child
        WHERE {resident} AND family_key = ANY(%s::text[])
        UNION ALL
        SELECT id FROM directory_child WHERE {resident} AND {former}"""  # noqa: S608
        params += [*resident_params, family_keys, *resident_params, family_keys]
    return RawSQL(sql + ")", params, output_field=BooleanField())  # noqa: S611 - parameters


def children_matching(
    *,
    criteria: SearchCriteria,
    condition: tuple[str, list],
    cap: int,
    using: str = DEFAULT_DB_ALIAS,
) -> SearchResult:
    """Active children meeting ``condition`` whose names (and the other criteria) match,
    best first, at most ``cap`` of them.

    Family name: a current or former key among the keys close to the one typed (typos and
    sound-alikes, ``name_keys_lookup``). Given name: similar, a prefix, the same sound, or a
    variant from the nickname table (Bill finds William). Date of birth: as typed or with
    day and month swapped. Exact matches rank above the variants.

    Written as SQL text and read with a plain cursor: building and compiling the equivalent
    ORM query (and making instances of its rows) cost more CPU than PostgreSQL spent running
    it (issue 16).
    """
    family_keys = name_keys_lookup(criteria.family_name, using=using).keys
    former = _FORMER.format(table=_CHILD)
    where = [
        f"{_CHILD}.status = %s",
        f"({_CHILD}.family_key = ANY(%s::text[]) OR {former})",
    ]
    params: list = [Child.Status.ACTIVE.value, family_keys, family_keys]
    score = f"GREATEST(similarity({_CHILD}.family_key, cp_name_key(%s)), CASE WHEN {former} "
    score += f"THEN {FORMER_NAME_SCORE} ELSE 0 END)"
    score_params: list = [criteria.family_name, family_keys]
    if criteria.date_of_birth:
        where.append(f"{_CHILD}.date_of_birth = ANY(%s::date[])")
        params.append(date_of_birth_readings(criteria.date_of_birth))
        score += f" + CASE WHEN {_CHILD}.date_of_birth = %s THEN {EXACT_DATE_SCORE} ELSE 0 END"
        score_params.append(criteria.date_of_birth)
    if criteria.given_name:
        variants = given_name_variants(criteria.given_name)
        given = f"{_CHILD}.given_key"
        where.append(
            f"({given} %% cp_name_key(%s) OR {given} LIKE cp_name_key(%s) || '%%' "
            f"OR dmetaphone({given}) = dmetaphone(cp_name_key(%s)) OR {given} = ANY(%s::text[]))"
        )
        params += [criteria.given_name] * 3 + [variants]
        score += f" + GREATEST(similarity({given}, cp_name_key(%s)), "
        score += f"CASE WHEN {given} = ANY(%s::text[]) THEN {NICKNAME_SCORE} ELSE 0 END)"
        score_params += [criteria.given_name, variants]
    postcode_sql, postcode_params = postcode_condition(criteria)
    where += [condition[0], *postcode_sql]
    params += [*condition[1], *postcode_params]
    columns = ", ".join(f"{_CHILD}.{column}" for column in SUMMARY_COLUMNS)
    # Every value is a parameter; the text joins only this module's constant fragments and
    # the caller's condition.
    sql = f"""SELECT {columns}, ({score}) AS score FROM {_CHILD}
        WHERE {" AND ".join(where)}
        ORDER BY score DESC, {_CHILD}.family_name, {_CHILD}.given_name,
                 {_CHILD}.date_of_birth, {_CHILD}.public_id
        LIMIT %s"""  # noqa: S608
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [*score_params, *params, cap + 1])
        rows = cursor.fetchall()
    width = len(SUMMARY_COLUMNS)
    children = [
        row_summary(dict(zip(SUMMARY_COLUMNS, row[:width], strict=True))) for row in rows[:cap]
    ]
    return SearchResult(children=children, more_than_cap=len(rows) > cap)
