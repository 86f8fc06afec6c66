"""Setting and lifting shields, by the local authority's data managers, with four eyes.

Rules (shielding):
- Only a data manager of the child's own local authority sets or lifts the child's shield,
  always with a reason.
- Setting a shield protects the child at once: waiting would leave them findable.
- Lifting a shield exposes the child, so it takes two people: one data manager asks, a
  second one of the same authority approves; the one who asked can never approve.
- Each step is an audit event of its own kind; the pending-lift queue names children, so
  reading it is audited too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from access.models import Notification, ShieldChange, User
from access.notifications import notification_create
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record
from contactpoint.errors import NotFound, Refused
from directory.models import Child

from .enquirers import child_line, enquirer_details
from .errors import ChildNotFound
from .gate import ensure_may_read
from .shielding import data_managers_for, manages_shielding


class ShieldChangeRefused(Refused):
    """The change cannot go ahead; ``reasons`` say why in words the user can act on."""


class ShieldChangeNotFound(NotFound):
    """No pending change this user may decide has this id."""


@dataclass(frozen=True)
class PendingLift:
    """A request to lift a shield, as a second data manager sees it."""

    change_id: int
    child_name: str
    child_public_id: str
    child_date_of_birth: date
    asked_by: str
    asked_by_role: str
    asked_at: datetime
    reason: str
    asked_by_viewer: bool


@dataclass(frozen=True)
class ShieldSubject:
    """The child a shield form is about, as the data manager sees them there: enough to be
    sure it is the right child (issue 17, point 7), no more."""

    public_id: str
    name: str
    date_of_birth: date
    shielded: bool


def shield_subject_get(*, user: User, public_id: str, actor: Actor) -> ShieldSubject:
    """The child of a shield form, for a data manager of the child's own authority; anyone
    else, and a child elsewhere or nowhere, get ``ChildNotFound`` after the same query and
    the same audit insert (rule: out of scope looks like not found)."""
    now = timezone.now()
    _ensure_reader(user=user, actor=actor, now=now, criteria={"public_id": public_id})
    with transaction.atomic():
        child = _managed_child(user=user, public_id=public_id, lock=False)
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.SHIELD_FORM_VIEW,
            outcome=AccessEvent.Outcome.SHOWN if child else AccessEvent.Outcome.NOT_FOUND,
            child_public_id=public_id,
        )
    if child is None:
        raise ChildNotFound(public_id)
    return ShieldSubject(
        public_id=child.public_id,
        name=f"{child.given_name} {child.family_name}",
        date_of_birth=child.date_of_birth,
        shielded=child.shielded,
    )


def _managed_child(*, user: User, public_id: str, lock: bool = True) -> Child | None:
    """The active child ``public_id`` if ``user`` manages shielding where the child lives;
    locked for a change, so two data managers cannot change one shield at the same moment."""
    organisation = user.organisation
    if organisation is None or not manages_shielding(
        user=user, local_authority_id=organisation.local_authority_id
    ):
        return None
    children = Child.objects.select_for_update() if lock else Child.objects.all()
    return children.filter(
        public_id=public_id,
        status=Child.Status.ACTIVE,
        local_authority_id=organisation.local_authority_id,
    ).first()


def _check_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < settings.SHIELD_REASON_MIN_LENGTH:
        raise ShieldChangeRefused(
            [f"Give a reason of at least {settings.SHIELD_REASON_MIN_LENGTH} characters"]
        )
    return reason


def _outcome(child: Child | None, problem: str | None) -> AccessEvent.Outcome:
    if child is None:
        return AccessEvent.Outcome.NOT_FOUND
    return AccessEvent.Outcome.REFUSED if problem else AccessEvent.Outcome.OK


def _ensure_reader(*, user: User, actor: Actor, now, criteria: dict) -> None:
    """Vetting and rate limit, as for every read (shield work shows child details)."""
    ensure_may_read(
        user=user, actor=actor, today=timezone.localdate(now), purpose="", criteria=criteria
    )


def _raise_unless_done(*, child: Child | None, problem: str | None, public_id: str) -> None:
    """After the audit event is written: not found, or refused, or carry on."""
    if child is None:
        raise ChildNotFound(public_id)
    if problem:
        raise ShieldChangeRefused([problem])


def shield_set(*, user: User, public_id: str, reason: str, actor: Actor) -> ShieldChange:
    """Shield a child at once (rule: setting needs one data manager, since it only hides)."""
    reason = _check_reason(reason)
    now = timezone.now()
    _ensure_reader(user=user, actor=actor, now=now, criteria={"public_id": public_id})
    change = problem = None
    with transaction.atomic():
        child = _managed_child(user=user, public_id=public_id)
        if child is not None and child.shielded:
            problem = "This child is already shielded."
        if child is not None and problem is None:
            child.shielded = True
            child.save(update_fields=["shielded", "updated_at"])
            change = ShieldChange.objects.create(
                child=child,
                kind=ShieldChange.Kind.SET,
                status=ShieldChange.Status.APPLIED,
                reason=reason,
                requested_by=user,
                decided_by=user,
                decided_at=now,
            )
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.SHIELD_SET,
            outcome=_outcome(child, problem),
            child_public_id=public_id,
            reason=problem or reason,
        )
    _raise_unless_done(child=child, problem=problem, public_id=public_id)
    return change


def shield_lift_ask(*, user: User, public_id: str, reason: str, actor: Actor) -> ShieldChange:
    """Ask to lift a shield; nothing changes until a second data manager approves."""
    reason = _check_reason(reason)
    now = timezone.now()
    _ensure_reader(user=user, actor=actor, now=now, criteria={"public_id": public_id})
    change = problem = None
    with transaction.atomic():
        child = _managed_child(user=user, public_id=public_id)
        if child is not None:
            problem = _lift_problem(child)
        if child is not None and problem is None:
            change = ShieldChange.objects.create(
                child=child,
                kind=ShieldChange.Kind.LIFT,
                status=ShieldChange.Status.PENDING,
                reason=reason,
                requested_by=user,
            )
            _notify_second_pair_of_eyes(change=change, child=child, user=user, now=now)
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.SHIELD_LIFT_ASKED,
            outcome=_outcome(child, problem),
            child_public_id=public_id,
            reason=problem or reason,
        )
    _raise_unless_done(child=child, problem=problem, public_id=public_id)
    return change


def _lift_problem(child: Child) -> str | None:
    if not child.shielded:
        return "This child is not shielded."
    if ShieldChange.objects.filter(child=child, status=ShieldChange.Status.PENDING).exists():
        return "A request to lift this shield is already waiting for a second data manager."
    return None


def shield_lift_decide(
    *, user: User, change_id: int, approve: bool, note: str, actor: Actor
) -> ShieldChange:
    """A second data manager approves (the shield is lifted) or declines a pending lift."""
    now = timezone.now()
    _ensure_reader(user=user, actor=actor, now=now, criteria={"shield_change": change_id})
    problem = None
    with transaction.atomic():
        change = _decidable_change(user=user, change_id=change_id)
        if change is None:
            raise ShieldChangeNotFound(change_id)
        if change.requested_by_id == user.pk:
            problem = "You asked for this shield to be lifted, so another data manager must decide."
        elif change.status != ShieldChange.Status.PENDING:
            problem = "This request has already been decided."
        if problem is None:
            _apply_decision(change=change, user=user, approve=approve, note=note, now=now)
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.SHIELD_LIFTED
            if approve
            else AccessEvent.Action.SHIELD_LIFT_DECLINED,
            outcome=AccessEvent.Outcome.REFUSED if problem else AccessEvent.Outcome.OK,
            child_public_id=change.child.public_id,
            reason=problem or f"change {change.pk}: {note.strip()}",
        )
    if problem:
        raise ShieldChangeRefused([problem])
    return change


def _decidable_change(*, user: User, change_id: int) -> ShieldChange | None:
    # of=self: the child is an outer join since a destroyed record leaves the change behind.
    change = (
        ShieldChange.objects.select_for_update(of=("self",))
        .select_related("child", "requested_by")
        .filter(pk=change_id, kind=ShieldChange.Kind.LIFT)
        .first()
    )
    if (
        change is None
        or change.child is None
        or not manages_shielding(user=user, local_authority_id=change.child.local_authority_id)
    ):
        return None
    return change


def _apply_decision(
    *, change: ShieldChange, user: User, approve: bool, note: str, now: datetime
) -> None:
    change.status = ShieldChange.Status.APPROVED if approve else ShieldChange.Status.DECLINED
    change.decided_by = user
    change.decided_at = now
    change.decision_note = note.strip()
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if approve:
        change.child.shielded = False
        change.child.save(update_fields=["shielded", "updated_at"])
    verdict = "approved: the shield is lifted" if approve else "declined: the child stays shielded"
    notification_create(
        recipient=change.requested_by,
        kind=Notification.Kind.SHIELD_CHANGE,
        subject="Your request to lift a shield was decided",
        body=(
            f"Another data manager {verdict}. Which child is shown only in your ContactPoint inbox."
        ),
        in_app_detail=_child_detail(change.child)
        + (f"\nTheir note: {change.decision_note}" if change.decision_note else ""),
        link=f"/children/{change.child.public_id}/",
    )


def _child_detail(child: Child) -> str:
    return child_line(
        given_name=child.given_name,
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
        public_id=child.public_id,
    )


def _notify_second_pair_of_eyes(
    *, change: ShieldChange, child: Child, user: User, now: datetime
) -> None:
    body = (
        "A data manager asks to lift the shield on a child who lives in your authority. "
        "The shield stays until another data manager approves.\n\n"
        f"{enquirer_details(user=user, when=now)}\n\n"
        "Which child, and the reason, is shown only in your ContactPoint inbox; approve or "
        "decline it under Shielding."
    )
    for member in data_managers_for(local_authority_id=child.local_authority_id):
        if member.pk == user.pk:
            continue
        notification_create(
            recipient=member,
            kind=Notification.Kind.SHIELD_CHANGE,
            subject="A request to lift a shield needs your decision",
            body=body,
            in_app_detail=f"{_child_detail(child)}\nReason: {change.reason}",
            link=f"/shielding/{change.pk}/",
        )


def _pending_lift(change: ShieldChange, viewer: User) -> PendingLift:
    child, asker = change.child, change.requested_by
    return PendingLift(
        change_id=change.pk,
        child_name=f"{child.given_name} {child.family_name}",
        child_public_id=child.public_id,
        child_date_of_birth=child.date_of_birth,
        asked_by=asker.get_full_name() or asker.username,
        asked_by_role=asker.job_title or asker.get_role_display(),
        asked_at=change.requested_at,
        reason=change.reason,
        asked_by_viewer=asker.pk == viewer.pk,
    )


def shield_lifts_pending(*, user: User, actor: Actor) -> list[PendingLift] | None:
    """Pending lifts in the user's authority, oldest first; None for anyone who does not
    manage shielding (the view answers 404). Names children, so it is audited."""
    organisation = user.organisation
    if organisation is None or not manages_shielding(
        user=user, local_authority_id=organisation.local_authority_id
    ):
        return None
    with transaction.atomic():
        changes = list(
            ShieldChange.objects.filter(
                status=ShieldChange.Status.PENDING,
                child__local_authority_id=organisation.local_authority_id,
            )
            .select_related("child", "requested_by")
            .order_by("requested_at", "pk")
        )
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.SHIELD_QUEUE_VIEW,
            outcome=AccessEvent.Outcome.SHOWN,
            result_ids=[c.child.public_id for c in changes][:200],
        )
    return [_pending_lift(change, user) for change in changes]


def shield_lift_item(*, user: User, change_id: int, actor: Actor) -> PendingLift:
    """One pending lift for a data manager of the child's authority; else not found."""
    with transaction.atomic():
        change = _decidable_change(user=user, change_id=change_id)
        if change is None or change.status != ShieldChange.Status.PENDING:
            raise ShieldChangeNotFound(change_id)
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.SHIELD_QUEUE_VIEW,
            outcome=AccessEvent.Outcome.SHOWN,
            child_public_id=change.child.public_id,
            reason=f"change {change.pk}",
        )
    return _pending_lift(change, user)
