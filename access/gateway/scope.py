"""Scope: which children a user may see, as one SQL condition computed from relations.

Rule: a user sees a child when their organisation has an active involvement with the child,
or — for local-authority children's services — the child lives in that authority, or the user
holds a live grant for that child (break-glass or an approved request). There are no per-child
permission rows; the condition is evaluated by PostgreSQL in the same query that reads the
child.
"""

from datetime import date, datetime

from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from access.models import AccessRequest
from directory.models import Organisation

# The rule as SQL on the outer "directory_child" row. Written as text rather than ORM
# Exists() expressions: compiling those two subqueries on every search and record view cost
# more CPU than PostgreSQL spent running them. Values are always parameters.
_INVOLVED = """EXISTS (SELECT 1 FROM directory_involvement scope_i
    WHERE scope_i.child_id = "directory_child"."id" AND scope_i.organisation_id = %s
      AND scope_i.started_on <= %s AND (scope_i.ended_on IS NULL OR scope_i.ended_on > %s))"""
_GRANTED = """EXISTS (SELECT 1 FROM access_accessrequest scope_r
    WHERE scope_r.child_id = "directory_child"."id" AND scope_r.requester_id = %s
      AND scope_r.status = %s AND scope_r.granted_at <= %s AND scope_r.expires_at > %s)"""
_RESIDENT = '"directory_child"."local_authority_id" = %s'


def active_involvement_q(*, today: date, prefix: str = "") -> Q:
    """An involvement that has started and not ended (``ended_on`` is the first day off)."""
    return Q(**{f"{prefix}started_on__lte": today}) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gt": today})
    )


def child_scope_q(*, user, now: datetime, today: date) -> Q:
    """The condition on ``Child`` rows that puts them in ``user``'s scope: an active
    involvement of the user's organisation, a live grant of the user's, or (children's
    services) residence in the organisation's authority.

    For a query on ``Child`` itself (the table unaliased), as every gateway read is.
    """
    condition, params = child_scope_sql(user=user, now=now, today=today)
    return Q(RawSQL(condition, params, output_field=BooleanField()))  # noqa: S611 - parameters


def child_scope_sql(*, user, now: datetime, today: date, grants: bool = True) -> tuple[str, list]:
    """``child_scope_q``'s condition as SQL text and parameters, for the gateway's queries
    written in SQL (the matcher); the one place the scope rule is written. ``grants=False``:
    the user's standing scope, through their organisation only (``standing_scope_q``)."""
    organisation: Organisation = user.organisation
    sql = [_INVOLVED]
    params: list = [organisation.pk, today, today]
    if grants:
        sql.append(_GRANTED)
        params += [user.pk, AccessRequest.Status.GRANTED.value, now, now]
    if organisation.is_local_authority:
        sql.append(_RESIDENT)
        params.append(organisation.local_authority_id)
    return "(" + " OR ".join(sql) + ")", params


def standing_scope_q(*, user, today: date) -> Q:
    """Scope without break-glass or approved grants: the children the user's organisation
    works with (or, for children's services, that live in its authority). What an
    organisation may change about a child is bounded by this, so that a grant for one
    emergency never turns into standing access (``upkeep.py``)."""
    condition, params = child_scope_sql(user=user, now=None, today=today, grants=False)
    return Q(RawSQL(condition, params, output_field=BooleanField()))  # noqa: S611 - parameters


def visible_involvements_sql(
    *, organisation: Organisation, today: date, table: str = '"directory_involvement"'
) -> tuple[str, list]:
    """Involvements an enquirer from ``organisation`` may see on a record, as SQL on the
    involvement row ``table`` (the record page reads them with a fixed statement).

    Rule (cloaking): a cloaked involvement is shown only to its own organisation; everyone
    else sees the record exactly as if it did not exist.
    """
    sql = (
        f"({table}.started_on <= %s AND ({table}.ended_on IS NULL OR {table}.ended_on > %s) "
        f"AND (NOT {table}.cloaked OR {table}.organisation_id = %s))"
    )
    return sql, [today, today, organisation.pk]


def visible_involvements_q(*, organisation: Organisation, today: date) -> Q:
    """``visible_involvements_sql`` for a query on ``Involvement`` itself."""
    sql, params = visible_involvements_sql(organisation=organisation, today=today)
    return Q(RawSQL(sql, params, output_field=BooleanField()))  # noqa: S611 - parameters
