"""Changes to child readers' accounts that take two people: one asks, another approves.

Rule (separation of duties): nobody gives anyone, themselves included, access to children on
their own. An admin who could change a reader's e-mail (then send the reset link there),
reset their authenticator (then enrol their own), or make an account a reader (a reader role,
a new organisation, reactivation) could take over or create a reader alone. So these three
changes, made in admin, become a ``ProvisioningRequest`` that changes nothing until someone
else with the authority approves it (``provisioning_may_approve``). Each request, approval,
decline and expiry is an audit event written through the one writer in the same transaction,
and each applied change raises an alert for the auditors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from audit.alerts import alert_raise
from audit.models import AccessEvent
from audit.review.detectors.base import Finding
from audit.review.windows import HOUR, window_after, window_floor
from audit.writer import Actor, access_event_record
from directory.models import Organisation

from .admin_permissions import (
    is_org_admin,
    is_system_admin,
    organisation_admins,
    organisations_managed_by,
)
from .gateway.break_glass import system_actor_for
from .models import (
    CHILD_READER_ROLES,
    Notification,
    ProvisioningRequest,
    Role,
    RoleCeilingExceeded,
    User,
)
from .notifications import notification_create
from .services import user_save_by_admin, user_second_factor_reset

Kind = ProvisioningRequest.Kind
Status = ProvisioningRequest.Status

# Audit actions of their own kind (labelled in audit.models.AccessEvent.Action).
REQUESTED = AccessEvent.Action.PROVISION_REQUESTED
APPROVED = AccessEvent.Action.PROVISION_APPROVED
DECLINED = AccessEvent.Action.PROVISION_DECLINED
EXPIRED = AccessEvent.Action.PROVISION_EXPIRED

# The approvers' queue shows the oldest this many; the rest follow as those are decided.
QUEUE_CAP = 200

# The alert every applied change raises, reviewed by the auditors like a misuse alert.
DETECTOR = "reader_provisioning"


class ProvisioningRefused(Exception):
    """The request or decision cannot go ahead; ``reason`` says why in words an admin can act
    on."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ProvisioningRequestNotFound(Exception):
    """No request this user may decide has this id (answered as 404, like one that does not
    exist)."""


def reads_children(*, role: str, is_active: bool) -> bool:
    return bool(is_active and role in CHILD_READER_ROLES)


# --- Who may approve --------------------------------------------------------------------------


def provisioning_may_approve(user: User, request: ProvisioningRequest) -> bool:
    """Rule (separation of duties): a request is approved by someone independent of it — never
    the one who asked, never the one it is about — who holds authority over where the reader
    reads: a system admin, or an organisation admin of the children's services of the local
    authority the reader's organisation belongs to (the authority answers for who reads its
    children). An organisation admin of anywhere else, a school's included, may not."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.pk in (request.requested_by_id, request.target_id):
        return False
    if is_system_admin(user):
        return True
    organisation = request.organisation
    if not is_org_admin(user) or organisation is None or organisation.local_authority_id is None:
        return False
    return (
        _councils_administered_by(user)
        .filter(local_authority_id=organisation.local_authority_id)
        .exists()
    )


def _councils_administered_by(user: User) -> QuerySet[Organisation]:
    return organisations_managed_by(user).filter(kind=Organisation.Kind.LA_CHILDRENS_SERVICES)


def provisioning_requests_for_approver(*, user: User) -> list[ProvisioningRequest]:
    """The live pending requests ``user`` may decide, oldest first (the approvers' queue),
    at most ``QUEUE_CAP``."""
    requests = (
        ProvisioningRequest.objects.filter(status=Status.PENDING, expires_at__gt=timezone.now())
        .exclude(Q(requested_by=user) | Q(target=user))
        .select_related("target", "target__organisation", "requested_by", "organisation")
        .order_by("requested_at", "pk")
    )
    if not is_system_admin(user):
        authorities = _councils_administered_by(user).values("local_authority_id")
        requests = requests.filter(organisation__local_authority_id__in=authorities)
    return [request for request in requests[:QUEUE_CAP] if provisioning_may_approve(user, request)]


def provisioning_request_get_for_approver(*, user: User, request_id: int) -> ProvisioningRequest:
    """The one access function for a request's page: out of the user's authority, their own,
    or about themselves answers as a request that does not exist."""
    request = (
        ProvisioningRequest.objects.select_related(
            "target", "target__organisation", "requested_by", "organisation", "decided_by"
        )
        .filter(pk=request_id)
        .first()
    )
    if request is None or not provisioning_may_approve(user, request):
        raise ProvisioningRequestNotFound(request_id)
    return request


# --- Asking -------------------------------------------------------------------------------------


def provisioning_request_create(
    *,
    kind: str,
    target: User,
    requested_by: User,
    actor: Actor,
    proposed: dict | None = None,
    organisation: Organisation | None = None,
) -> ProvisioningRequest:
    """Record a change that waits for a second approver, and its audit event, in one
    transaction. One pending request per user and kind: a second is refused while the first
    waits (a lapsed one is marked expired first, so it never blocks)."""
    now = timezone.now()
    with transaction.atomic():
        _expire_lapsed(target=target, kind=kind, now=now, actor=actor)
        if ProvisioningRequest.objects.filter(
            target=target, kind=kind, status=Status.PENDING
        ).exists():
            raise ProvisioningRefused(
                f"A {Kind(kind).label.lower()} for {target.get_username()} already waits for "
                "a second approver."
            )
        request = ProvisioningRequest.objects.create(
            kind=kind,
            target=target,
            organisation=organisation if organisation is not None else target.organisation,
            proposed=proposed or {},
            requested_by=requested_by,
            requested_at=now,
            expires_at=now + timedelta(hours=settings.PROVISIONING_REQUEST_HOURS),
        )
        event = _record(actor=actor, action=REQUESTED, request=request)
        request.requested_event_id = event.pk
        request.save(update_fields=["requested_event_id"])
        _approvers_notify(request)
    return request


def _approvers_notify(request: ProvisioningRequest) -> None:
    """Tell those who may approve that something waits: the admins of the local authority's
    children's services, or the system admins when the authority has none. At most one
    message a day each (the queue holds the requests), and never the requester or target."""
    approvers = _authority_approvers(request) or list(
        User.objects.filter(role=Role.SYSTEM_ADMIN, is_active=True).order_by("pk")
    )
    day = timezone.localdate().isoformat()
    for approver in approvers:
        if not provisioning_may_approve(approver, request):
            continue
        notification_create(
            recipient=approver,
            kind=Notification.Kind.PROVISIONING,
            subject="A change to a reader's account waits for your approval",
            body=(
                "An administrator asked for a change to the account of someone who reads "
                "children's records. It takes effect only when a second person approves it. "
                "Open ContactPoint administration, Changes to approve."
            ),
            link=reverse("admin:provisioning_queue"),
            dedupe_key=f"provisioning:{approver.pk}:{day}",
        )


def _authority_approvers(request: ProvisioningRequest) -> list[User]:
    organisation = request.organisation
    if organisation is None or organisation.local_authority_id is None:
        return []
    councils = Organisation.objects.filter(
        kind=Organisation.Kind.LA_CHILDRENS_SERVICES,
        local_authority_id=organisation.local_authority_id,
    )
    admins = {admin for council in councils for admin in organisation_admins(council)}
    return sorted(admins, key=lambda admin: admin.pk)


def _expire_lapsed(*, target: User, kind: str, now, actor: Actor) -> None:
    lapsed = ProvisioningRequest.objects.select_for_update().filter(
        target=target, kind=kind, status=Status.PENDING, expires_at__lte=now
    )
    for request in lapsed:
        _expire(request=request, actor=actor, now=now)


def provisioning_requests_expire(*, now=None) -> int:
    """Mark every pending request past its ``expires_at`` expired, with its audit event, so
    the approvers' queue and the history say so without anyone touching the request (beat
    runs it hourly; a request locked by an approver deciding it now is left to them)."""
    now = now or timezone.now()
    expired = 0
    with transaction.atomic():
        lapsed = ProvisioningRequest.objects.select_for_update(skip_locked=True).filter(
            status=Status.PENDING, expires_at__lte=now
        )
        for request in lapsed.select_related("requested_by"):
            _expire(request=request, actor=system_actor_for(request.requested_by), now=now)
            expired += 1
    return expired


def _expire(*, request: ProvisioningRequest, actor: Actor, now) -> None:
    request.status, request.decided_at = Status.EXPIRED, now
    request.save(update_fields=["status", "decided_at"])
    _record(actor=actor, action=EXPIRED, request=request)


# --- Deciding ---------------------------------------------------------------------------------


def provisioning_request_decide(
    *, user: User, request_id: int, approve: bool, note: str, actor: Actor
) -> ProvisioningRequest:
    """Approve (and apply) or decline a pending request.

    Rules: only an independent approver decides (``provisioning_may_approve``; anyone else
    gets ``ProvisioningRequestNotFound``); a decline says why; a request past its
    ``expires_at`` is marked expired, never applied; an applied change raises an alert for
    the auditors in the same transaction.
    """
    note = note.strip()
    if not approve and not note:
        raise ProvisioningRefused("Write a note saying why you decline.")
    now = timezone.now()
    with transaction.atomic():
        request = (
            ProvisioningRequest.objects.select_for_update(of=("self",))
            .select_related("target", "organisation")
            .filter(pk=request_id)
            .first()
        )
        if request is None or not provisioning_may_approve(user, request):
            raise ProvisioningRequestNotFound(request_id)
        if request.status != Status.PENDING:
            raise ProvisioningRefused("This request has already been decided.")
        lapsed = request.expires_at <= now
        if lapsed:
            _expire(request=request, actor=actor, now=now)
        else:
            request.status = Status.APPROVED if approve else Status.DECLINED
            request.decided_by, request.decided_at, request.note = user, now, note
            request.save(update_fields=["status", "decided_by", "decided_at", "note"])
            if approve:
                _apply(request)
                event = _record(actor=actor, action=APPROVED, request=request)
                _alert(request=request, event_id=event.pk, now=now)
            else:
                _record(actor=actor, action=DECLINED, request=request)
    if lapsed:
        raise ProvisioningRefused("This request has expired; ask again if it is still needed.")
    return request


def _apply(request: ProvisioningRequest) -> None:
    target = User.objects.select_for_update().get(pk=request.target_id)
    if request.kind == Kind.EMAIL_CHANGE:
        _email_change_apply(target=target, new_email=request.proposed["email"])
    elif request.kind == Kind.SECOND_FACTOR_RESET:
        user_second_factor_reset(user=target)
    else:
        _reader_role_apply(target=target, proposed=request.proposed)


def _email_change_apply(*, target: User, new_email: str) -> None:
    """Rule: the owner hears of a new address at the old one, so a takeover that got past two
    admins still reaches the person it robs. Sent inside the transaction: if the old address
    cannot be told, the address does not change."""
    old_email = target.email
    target.email = new_email
    target.save(update_fields=["email"])
    if old_email:
        send_mail(
            "Your ContactPoint e-mail address was changed",
            (
                f"The e-mail address of your ContactPoint account ({target.get_username()}) was "
                f"changed to {new_email} by your administrators. Password reset links will go "
                "there from now on.\n\nIf you did not ask for this, tell your organisation's "
                "ContactPoint administrator and your local authority at once."
            ),
            None,
            [old_email],
        )


def _reader_role_apply(*, target: User, proposed: dict) -> None:
    previous_organisation_id = target.organisation_id
    target.role = proposed["role"]
    target.organisation_id = proposed["organisation_id"]
    target.is_active = True
    try:
        user_save_by_admin(
            user=target, created=False, previous_organisation_id=previous_organisation_id
        )
    except RoleCeilingExceeded as error:
        raise ProvisioningRefused(" ".join(error.messages)) from error


def _record(*, actor: Actor, action: str, request: ProvisioningRequest):
    """The audit event of one step. Ids, kind and role only: never the e-mail address."""
    criteria = {"request": request.pk, "kind": request.kind, "target": request.target_id}
    if "role" in request.proposed:
        criteria["role"] = request.proposed["role"]
        criteria["organisation"] = request.proposed.get("organisation_id")
    return access_event_record(
        actor=actor,
        action=action,
        outcome=AccessEvent.Outcome.OK,
        criteria=criteria,
        reason=f"{request.get_kind_display()} for user {request.target_id}: {request.note}"[:300],
    )


def _alert(*, request: ProvisioningRequest, event_id: int, now) -> None:
    """Rule (review): a reader's e-mail or second factor changed, or a reader role granted, is
    reviewed like a lookup: a high-severity alert about the account goes to the auditors (so
    an alert decided as misuse can suspend the account that may have been taken over)."""
    requester = request.requested_by.get_username()
    approver = request.decided_by.get_username()
    alert_raise(
        detector=DETECTOR,
        finding=Finding(
            subject_id=request.target_id,
            severity="high",
            summary=(
                f"{request.get_kind_display()} applied to a child reader's account: asked by "
                f"{requester}, approved by {approver}."
            ),
            evidence_ids=[i for i in (request.requested_event_id, event_id) if i is not None],
            key=f"request-{request.pk}",
        ),
        window=window_after(window_floor(now, HOUR), HOUR),
        now=now,
    )


# --- Admin saves ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdminSaveResult:
    """What an admin's save did: saved at once, and what waits for a second approver."""

    user: User
    pending: list[ProvisioningRequest]
    refused: list[str]


def user_save_by_admin_with_approval(
    *, user: User, created: bool, requested_by: User, actor: Actor
) -> AdminSaveResult:
    """Save a user edited in admin, holding back what takes a second approver.

    Rule (separation of duties): a reader's new e-mail address, and an account that would
    read children as a role or organisation it did not before (new, promoted, moved or
    reactivated), are not saved: the rest of the form is, and each held change becomes a
    pending request. A created reader is saved inactive until the grant is approved.
    """
    original = None if created else User.objects.get(pk=user.pk)
    held: list[tuple[str, dict, Organisation | None]] = []
    with transaction.atomic():
        if original is not None and original.role in CHILD_READER_ROLES:
            if user.email != original.email:
                held.append((Kind.EMAIL_CHANGE, {"email": user.email}, None))
                user.email = original.email
        if _becomes_reader(user=user, original=original):
            proposed = {"role": user.role, "organisation_id": user.organisation_id}
            held.append((Kind.READER_ROLE_GRANT, proposed, user.organisation))
            if original is None:
                user.is_active = False
            else:
                user.role, user.organisation = original.role, original.organisation
                user.is_active = original.is_active
        user_save_by_admin(
            user=user,
            created=created,
            previous_organisation_id=original.organisation_id if original else None,
        )
        pending, refused = [], []
        for kind, proposed, organisation in held:
            try:
                pending.append(
                    provisioning_request_create(
                        kind=kind,
                        target=user,
                        requested_by=requested_by,
                        actor=actor,
                        proposed=proposed,
                        organisation=organisation,
                    )
                )
            except ProvisioningRefused as refusal:
                refused.append(refusal.reason)
    return AdminSaveResult(user=user, pending=pending, refused=refused)


def _becomes_reader(*, user: User, original: User | None) -> bool:
    if not reads_children(role=user.role, is_active=user.is_active):
        return False
    if original is None:
        return True
    return not (
        reads_children(role=original.role, is_active=original.is_active)
        and original.role == user.role
        and original.organisation_id == user.organisation_id
    )


def second_factor_reset_by_admin(
    *, user: User, requested_by: User, actor: Actor
) -> ProvisioningRequest | None:
    """Reset a non-reader's authenticator at once; a reader's waits for a second approver
    (rule: separation of duties). Returns the pending request, or None when applied."""
    if user.role not in CHILD_READER_ROLES:
        user_second_factor_reset(user=user)
        return None
    return provisioning_request_create(
        kind=Kind.SECOND_FACTOR_RESET, target=user, requested_by=requested_by, actor=actor
    )
