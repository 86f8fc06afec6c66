"""Scope: which children a user may see, as one SQL condition computed from relations.

Rule: a user sees a child when their organisation has an active involvement with the child,
or — for local-authority children's services — the child lives in that authority, or the user
holds a live grant for that child (break-glass or an approved request). There are no per-child
permission rows; the condition is evaluated by PostgreSQL in the same query that reads the
child.

This module is the one home of the rule, and of cloaking's (``cloaked_from_sql``). Every
query that applies them — the record and search condition (``child_scope_sql`` /
``child_scope_q``), the search's index-friendly candidates (``search._scope_candidates``),
misuse review's explanation of each lookup on the day it was made (``lookup_facts``), the
record's involvements (``visible_involvements_sql``), the cloaked-enquiry job and its
notifications (``cloaked_away_sql``: ``cloaked_enquiries``, ``cloaking``) — builds its SQL
from the fragment functions below: a table alias (or a column expression) and a date or time
expression in, ``(sql, params)`` out. Enum values are parameters, never literals in the text.
The property test (``tests/access/test_gateway_properties.py``) checks the record, the search,
the explanation and who is told of a look at a cloaked involvement against an oracle written
without this module.

Written as SQL text rather than ORM ``Exists()`` expressions: compiling those subqueries on
every search and record view cost more CPU than PostgreSQL spent running them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from access.models import AccessRequest
from directory.models import Organisation

if TYPE_CHECKING:
    from access.models import User

# A fragment of SQL and its parameters, in the order its placeholders appear.
SQL = tuple[str, list]


def value_sql(value: Any) -> SQL:
    """A value as a parameter (a date, a time, an id)."""
    return "%s", [value]


def column_sql(expression: str) -> SQL:
    """A column or expression of the enclosing query (``f.day``, ``l.actor_id``)."""
    return expression, []


# --- involvement: started and not ended on ``day`` ----------------------------------------------


def involvement_started_sql(alias: str, day: SQL) -> SQL:
    return f"{alias}.started_on <= {day[0]}", list(day[1])


def involvement_not_ended_sql(alias: str, day: SQL) -> tuple[SQL, SQL]:
    """The two ways an involvement is still running on ``day``: open-ended, or ending later
    (``ended_on`` is the first day off). Two fragments, because each is a range of the index
    involvement_org_active and the search reads them separately (``_scope_candidates``)."""
    return (f"{alias}.ended_on IS NULL", []), (f"{alias}.ended_on > {day[0]}", list(day[1]))


def involvement_active_sql(alias: str, day: SQL) -> SQL:
    """The involvement ``alias`` has started by ``day`` and not ended."""
    started, started_params = involvement_started_sql(alias, day)
    (open_sql, open_params), (later_sql, later_params) = involvement_not_ended_sql(alias, day)
    return (
        f"{started} AND ({open_sql} OR {later_sql})",
        started_params + open_params + later_params,
    )


# --- grant: granted and not expired at ``at`` ----------------------------------------------


def grant_live_sql(alias: str, *, requester: SQL, at: SQL) -> SQL:
    """The access request ``alias`` is ``requester``'s grant, live at the instant ``at``
    (break-glass or an approved request; for that user only, never their organisation)."""
    return (
        f"{alias}.requester_id = {requester[0]} AND {alias}.status = %s "
        f"AND {alias}.granted_at <= {at[0]} AND {alias}.expires_at > {at[0]}",
        [*requester[1], AccessRequest.Status.GRANTED.value, *at[1], *at[1]],
    )


# --- the three ways into scope, each a condition on one child ---------------------------------


def involved_sql(*, child: str, organisation: SQL, day: SQL) -> SQL:
    """``organisation`` works with the child whose id is ``child`` on ``day``."""
    active, params = involvement_active_sql("scope_i", day)
    return (
        "EXISTS (SELECT 1 FROM directory_involvement scope_i "  # noqa: S608 - fragments only
        f"WHERE scope_i.child_id = {child} AND scope_i.organisation_id = {organisation[0]} "
        f"AND {active})",
        [*organisation[1], *params],
    )


def granted_sql(*, child: str, requester: SQL, at: SQL) -> SQL:
    """``requester`` holds a live grant on the child whose id is ``child`` at ``at``."""
    live, params = grant_live_sql("scope_r", requester=requester, at=at)
    return (
        "EXISTS (SELECT 1 FROM access_accessrequest scope_r "  # noqa: S608 - fragments only
        f"WHERE scope_r.child_id = {child} AND {live})",
        params,
    )


def resident_sql(child: str, *, local_authority: SQL) -> SQL:
    """The child row ``child`` lives in ``local_authority``: scope for that authority's
    children's services only. Where the organisation is a Python object, the gate is
    ``Organisation.is_local_authority``; where it is a row, ``childrens_services_sql``."""
    return f"{child}.local_authority_id = {local_authority[0]}", list(local_authority[1])


def childrens_services_sql(organisation: str) -> SQL:
    """The organisation row ``organisation`` is local-authority children's services (the
    kind whose users see the authority's residents)."""
    return f"{organisation}.kind = %s", [Organisation.Kind.LA_CHILDRENS_SERVICES.value]


# --- the rule for one user, now ----------------------------------------------------------------

_CHILD = '"directory_child"'


def child_scope_sql(
    *, user: User, now: datetime | None, today: date, grants: bool = True
) -> tuple[str, list]:
    """The condition on the outer ``"directory_child"`` row that puts it in ``user``'s scope:
    an active involvement of the user's organisation, a live grant of the user's, or
    (children's services) residence in the organisation's authority. ``grants=False``: the
    user's standing scope, through their organisation only (``standing_scope_q``)."""
    organisation: Organisation = user.organisation
    child_id = f'{_CHILD}."id"'
    day, at = value_sql(today), value_sql(now)
    parts = [involved_sql(child=child_id, organisation=value_sql(organisation.pk), day=day)]
    if grants:
        parts.append(granted_sql(child=child_id, requester=value_sql(user.pk), at=at))
    if organisation.is_local_authority:
        la = value_sql(organisation.local_authority_id)
        parts.append(resident_sql(_CHILD, local_authority=la))
    return "(" + " OR ".join(sql for sql, _ in parts) + ")", [p for _, ps in parts for p in ps]


def child_scope_q(*, user: User, now: datetime, today: date) -> Q:
    """``child_scope_sql`` as a condition for a query on ``Child`` itself (the table
    unaliased), as every gateway read is."""
    condition, params = child_scope_sql(user=user, now=now, today=today)
    return Q(RawSQL(condition, params, output_field=BooleanField()))  # noqa: S611 - parameters


def standing_scope_q(*, user: User, today: date) -> Q:
    """Scope without break-glass or approved grants: the children the user's organisation
    works with (or, for children's services, that live in its authority). What an
    organisation may change about a child is bounded by this, so that a grant for one
    emergency never turns into standing access (``upkeep.py``)."""
    condition, params = child_scope_sql(user=user, now=None, today=today, grants=False)
    return Q(RawSQL(condition, params, output_field=BooleanField()))  # noqa: S611 - parameters


def active_involvement_q(*, today: date) -> Q:
    """An involvement that has started and not ended, for a query on ``Involvement`` itself
    (the table unaliased; never inside a subquery, whose aliases Django renames)."""
    condition, params = involvement_active_sql('"directory_involvement"', value_sql(today))
    return Q(RawSQL(condition, params, output_field=BooleanField()))  # noqa: S611 - parameters


# --- cloaking: which involvements an enquirer's organisation is kept from --------------------


def cloaked_from_sql(alias: str, *, organisation: SQL) -> SQL:
    """Rule (cloaking): a cloaked involvement is shown only to its own organisation; the
    involvement ``alias`` is cloaked and belongs to another organisation than
    ``organisation`` (an enquirer without one is kept from every cloaked involvement)."""
    return (
        f"({alias}.cloaked AND {alias}.organisation_id IS DISTINCT FROM {organisation[0]})",
        list(organisation[1]),
    )


def cloaked_away_sql(alias: str, *, organisation: SQL, day: SQL) -> SQL:
    """The involvement ``alias`` is running on ``day`` and hidden from ``organisation``: the
    service the cloaked-enquiry job tells when that organisation's user looks."""
    active, active_params = involvement_active_sql(alias, day)
    cloaked, cloaked_params = cloaked_from_sql(alias, organisation=organisation)
    return f"({active} AND {cloaked})", [*active_params, *cloaked_params]


def visible_involvements_sql(
    *, organisation: Organisation, today: date, table: str = '"directory_involvement"'
) -> SQL:
    """Involvements an enquirer from ``organisation`` may see on a record (running, and not
    cloaked from it), as SQL on the involvement row ``table`` (the record page reads them
    with a fixed statement). Everyone kept from a cloaked involvement sees the record
    exactly as if it did not exist."""
    active, active_params = involvement_active_sql(table, value_sql(today))
    cloaked, cloaked_params = cloaked_from_sql(table, organisation=value_sql(organisation.pk))
    return f"({active} AND NOT {cloaked})", [*active_params, *cloaked_params]


def cloaked_away_q(*, organisation_id: int | None, today: date) -> Q:
    """``cloaked_away_sql`` for a query on ``Involvement`` itself (the table unaliased)."""
    sql, params = cloaked_away_sql(
        '"directory_involvement"', organisation=value_sql(organisation_id), day=value_sql(today)
    )
    return Q(RawSQL(sql, params, output_field=BooleanField()))  # noqa: S611 - parameters
