"""Keeping involvements right: a practitioner records that their organisation now works with
a child, or no longer does.

Rules:
- (scope) Recording an involvement widens the whole organisation's scope, so it is allowed
  only for a child the organisation can already see through its own work (an involvement,
  or residence for children's services: ``standing_scope_q``), never through a break-glass
  or approved grant: an emergency must not turn into standing access. Out of that scope,
  the answer is the same "not found" as for a child that does not exist.
- (vetting) Only a vetted reader of an accredited organisation may record or end one; each
  change passes the same checks and rate limit as a lookup (``ensure_may_read``).
- (roles) The role is one the organisation's kind may hold (``ORGANISATION_ROLES``).
- (audit) Each start and end is an audit event naming the child, in the transaction of
  the change.
"""

from __future__ import annotations

from datetime import date

from django.db import connections, transaction
from django.utils import timezone

from access.models import User
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record
from contactpoint.errors import Refused
from directory.models import ORGANISATION_ROLES, Child, Involvement, Practitioner

from .errors import ChildNotFound
from .gate import ensure_may_read
from .scope import active_involvement_q, child_scope_sql, standing_scope_q

PURPOSE = "current_involvement"


class UpkeepRefused(Refused):
    """The change cannot be made; ``reasons`` say why, in words for the practitioner."""


def roles_for(user: User) -> list[tuple[str, str]]:
    """The roles the user's organisation may record, as (value, label)."""
    organisation = user.organisation
    kinds = ORGANISATION_ROLES.get(organisation.kind, ()) if organisation else ()
    return [(role, Involvement.Role(role).label) for role in kinds]


def may_record_involvement(
    *, user: User, child_id: int, today: date, standing: bool | None = None
) -> bool:
    """Whether the record page offers ``user`` the involvement forms for this child.
    ``standing``: ``in_standing_scope`` for this child, when the caller has asked already."""
    if not user.reads_child_data or user.organisation is None:
        return False
    if standing is None:
        standing = in_standing_scope(user=user, child_id=child_id, today=today)
    return standing


def in_standing_scope(*, user: User, child_id: int, today: date, using: str = "default") -> bool:
    """Whether the child is in ``user``'s standing scope (``standing_scope_q``), in one
    fixed statement (the record page asks on every view; issue 16)."""
    if user.organisation is None:
        return False
    condition, params = child_scope_sql(user=user, now=None, today=today, grants=False)
    with connections[using].cursor() as cursor:
        cursor.execute(
            f'SELECT 1 FROM directory_child WHERE "directory_child"."id" = %s AND {condition}',  # noqa: S608
            [child_id, *params],
        )
        return cursor.fetchone() is not None


def involvement_start(
    *,
    user: User,
    public_id: str,
    role: str,
    started_on: date,
    actor: Actor,
    today: date | None = None,
) -> Involvement:
    """Record that the user's organisation works with the child from ``started_on``."""
    today = today or timezone.localdate()
    ensure_may_read(
        user=user, actor=actor, today=today, purpose=PURPOSE, criteria={"public_id": public_id}
    )
    if role not in dict(roles_for(user)):
        raise UpkeepRefused(["Choose one of your organisation's roles"])
    with transaction.atomic():
        child = _child_in_standing_scope(user=user, public_id=public_id, today=today)
        problems = []
        if started_on > today:
            problems.append("The start date cannot be in the future")
        if started_on < child.date_of_birth:
            problems.append("The start date is before the child was born")
        if Involvement.objects.filter(
            active_involvement_q(today=today), child=child, organisation=user.organisation,
            role=role,
        ).exists():  # fmt: skip
            problems.append("Your organisation already works with this child in that role")
        if problems:
            raise UpkeepRefused(problems)
        involvement = Involvement.objects.create(
            child=child,
            organisation=user.organisation,
            practitioner=_practitioner_of(user),
            role=role,
            started_on=started_on,
        )
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.INVOLVEMENT_STARTED,
            outcome=AccessEvent.Outcome.OK,
            purpose=PURPOSE,
            child_public_id=child.public_id,
            criteria={"role": role, "started_on": started_on.isoformat()},
        )
    return involvement


def involvement_end(
    *,
    user: User,
    public_id: str,
    role: str,
    ended_on: date,
    actor: Actor,
    today: date | None = None,
) -> int:
    """End the user's organisation's involvement with the child in ``role``; from
    ``ended_on`` (the first day it no longer applies) it no longer puts the child in the
    organisation's scope. Returns how many were ended."""
    today = today or timezone.localdate()
    ensure_may_read(
        user=user, actor=actor, today=today, purpose=PURPOSE, criteria={"public_id": public_id}
    )
    with transaction.atomic():
        child = _child_in_standing_scope(user=user, public_id=public_id, today=today)
        involvements = list(
            Involvement.objects.select_for_update().filter(
                active_involvement_q(today=today),
                child=child,
                organisation=user.organisation,
                role=role,
            )
        )
        if not involvements:
            raise UpkeepRefused(["Your organisation has no involvement in that role to end"])
        if any(ended_on <= i.started_on for i in involvements):
            raise UpkeepRefused(["The end date must be after the day it started"])
        for involvement in involvements:
            involvement.ended_on = ended_on
            involvement.save(update_fields=["ended_on"])
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.INVOLVEMENT_ENDED,
            outcome=AccessEvent.Outcome.OK,
            purpose=PURPOSE,
            child_public_id=child.public_id,
            criteria={"role": role, "ended_on": ended_on.isoformat()},
        )
    return len(involvements)


def _child_in_standing_scope(*, user: User, public_id: str, today: date) -> Child:
    child = (
        Child.objects.select_for_update(of=("self",))
        .filter(
            standing_scope_q(user=user, today=today),
            public_id=public_id[:32],
            status=Child.Status.ACTIVE,
        )
        .first()
    )
    if child is None:
        raise ChildNotFound(public_id)
    return child


def _practitioner_of(user: User) -> Practitioner:
    """The user as a contactable practitioner of their organisation (made the first time)."""
    practitioner = getattr(user, "practitioner", None)
    if practitioner is not None:
        return practitioner
    return Practitioner.objects.create(
        organisation=user.organisation,
        user=user,
        name=user.get_full_name() or user.get_username(),
        job_title=user.job_title or "Practitioner",
        phone=user.phone,
        email=user.email,
    )
