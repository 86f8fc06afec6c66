"""Changes to accounts that take two people: one asks, another approves.

Rule (separation of duties): nobody gives anyone, themselves included, access to children on
their own. An admin who could change an account's e-mail (then send the reset link there),
reset its authenticator (then enrol their own), or make an account a reader (a reader role,
a new organisation, reactivation) could take over or create a reader alone. Every account
holds a power in the controls — readers read, supervisors endorse break-glass, auditors
decide alerts, admins ask and approve — so a takeover of any of them breaks a four-eyes
rule somewhere (one system admin taking over another could ask as one and approve as the
other). So an e-mail change or an authenticator reset of any account, and a reader grant,
made in admin, become a ``ProvisioningRequest`` that changes nothing until someone else with
the authority approves it (``provisioning_may_approve``); an approved e-mail change then
waits for the holder, and an approved reset issues the enrolment code. Each request,
approval, decline and expiry is an audit event written through the one writer in the same
transaction, and each applied change raises an alert for the auditors.
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

from audit.alerts.services import alert_raise
from audit.models import AccessEvent
from audit.review.detectors.base import Finding
from audit.review.windows import HOUR, window_after, window_floor
from audit.writer import Actor, access_event_record
from contactpoint.errors import NotFound, Refused
from directory.models import Organisation

from ..admin_permissions import (
    is_org_admin,
    is_system_admin,
    organisation_admins,
    organisations_managed_by,
)
from ..gateway.break_glass import system_actor_for
from ..models import (
    CHILD_READER_ROLES,
    Notification,
    ProvisioningRequest,
    Role,
    RoleCeilingExceeded,
    User,
)
from ..notifications import notification_create
from ..services import user_save_by_admin, user_second_factor_reset
from ..sign_in.enrolment_codes import enrolment_code_issue

Kind = ProvisioningRequest.Kind
Status = ProvisioningRequest.Status

# Audit actions of their own kind (labelled in audit.models.AccessEvent.Action).


# A request still open: it blocks another of its kind for the same account, and lapses.
OPEN = (Status.PENDING, Status.AWAITING_OWNER)

# The approvers' queue shows the oldest this many; the rest follow as those are decided.
QUEUE_CAP = 200

# The alert every applied change raises, reviewed by the auditors like a misuse alert.
DETECTOR = "reader_provisioning"


class ProvisioningRefused(Refused):
    """The request or decision cannot go ahead; ``reason`` says why in words an admin can act
    on."""


class ProvisioningRequestNotFound(NotFound):
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
        if ProvisioningRequest.objects.filter(target=target, kind=kind, status__in=OPEN).exists():
            raise ProvisioningRefused(
                f"A {Kind(kind).label.lower()} for {target.get_username()} already waits for "
                "a second approver or the account holder."
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
        event = _record(actor=actor, action=AccessEvent.Action.PROVISION_REQUESTED, request=request)
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
        target=target, kind=kind, status__in=OPEN, expires_at__lte=now
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
            status__in=OPEN, expires_at__lte=now
        )
        for request in lapsed.select_related("requested_by"):
            _expire(request=request, actor=system_actor_for(request.requested_by), now=now)
            expired += 1
    return expired


def _expire(*, request: ProvisioningRequest, actor: Actor, now) -> None:
    request.status, request.decided_at = Status.EXPIRED, now
    request.save(update_fields=["status", "decided_at"])
    _record(actor=actor, action=AccessEvent.Action.PROVISION_EXPIRED, request=request)


# --- Deciding ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProvisioningDecision:
    """A recorded decision, and the one-time enrolment code an approved second-factor reset
    issued (shown once to the approver, never stored plain; None otherwise)."""

    request: ProvisioningRequest
    enrolment_code: str | None = None


def provisioning_request_decide(
    *,
    user: User,
    request_id: int,
    approve: bool,
    note: str,
    actor: Actor,
    identity_check: str = "",
) -> ProvisioningDecision:
    """Approve (and apply) or decline a pending request.

    Rules: only an independent approver decides (``provisioning_may_approve``; anyone else
    gets ``ProvisioningRequestNotFound``); a decline says why; a request past its
    ``expires_at`` is marked expired, never applied; an applied change raises an alert for
    the auditors in the same transaction. An approved e-mail change is not applied yet: the
    account holder confirms it (``provisioning_owner_decide``). An approved second-factor
    reset records how the approver checked the holder's identity (the note says more) and
    issues the code the holder types before enrolling again (``access.sign_in.enrolment_codes``).
    """
    note = note.strip()
    if not approve and not note:
        raise ProvisioningRefused("Write a note saying why you decline.")
    now = timezone.now()
    code = None
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
        elif not approve:
            _decided(request, status=Status.DECLINED, user=user, now=now, note=note)
            _record(actor=actor, action=AccessEvent.Action.PROVISION_DECLINED, request=request)
        elif request.kind == Kind.EMAIL_CHANGE:
            _decided(request, status=Status.AWAITING_OWNER, user=user, now=now, note=note)
            request.expires_at = now + timedelta(hours=settings.PROVISIONING_OWNER_HOURS)
            request.save(update_fields=["expires_at"])
            _record(actor=actor, action=AccessEvent.Action.PROVISION_APPROVED, request=request)
            _owner_ask(request)
        else:
            if request.kind == Kind.SECOND_FACTOR_RESET:
                _identity_check_record(request, identity_check=identity_check, note=note)
            _decided(request, status=Status.APPROVED, user=user, now=now, note=note)
            _apply(request)
            if request.kind == Kind.SECOND_FACTOR_RESET:
                code = enrolment_code_issue(request)
            event = _record(
                actor=actor, action=AccessEvent.Action.PROVISION_APPROVED, request=request
            )
            _alert(request=request, event_id=event.pk, now=now)
    if lapsed:
        raise ProvisioningRefused("This request has expired; ask again if it is still needed.")
    return ProvisioningDecision(request=request, enrolment_code=code)


def _decided(request: ProvisioningRequest, *, status: str, user: User, now, note: str) -> None:
    request.status, request.decided_by, request.decided_at, request.note = status, user, now, note
    request.save(update_fields=["status", "decided_by", "decided_at", "note"])


def _identity_check_record(request: ProvisioningRequest, *, identity_check: str, note: str):
    """Rule (identity-checked reset): no reset is applied without saying how the holder's
    identity was checked; the note says by whom and against what."""
    if identity_check not in ProvisioningRequest.IdentityCheck.values:
        raise ProvisioningRefused(
            "Say how you checked that the person asking is the account holder."
        )
    if not note:
        raise ProvisioningRefused(
            "Write what you checked (which ID, which number you called back) in the note."
        )
    request.identity_check, request.identity_check_note = identity_check, note
    request.save(update_fields=["identity_check", "identity_check_note"])


def _owner_ask(request: ProvisioningRequest) -> None:
    """Rule (owner confirms): two admins agreeing is not enough to move where a reader's
    reset links go; the holder confirms it, signed in as themselves. The request reaches
    them in their inbox and, by the notification's e-mail, at the address they have now —
    never the proposed one."""
    notification_create(
        recipient=request.target,
        kind=Notification.Kind.ACCOUNT_CHANGE,
        subject="Confirm the change of your ContactPoint e-mail address",
        body=(
            "Your administrators asked to change the e-mail address of your ContactPoint "
            "account. It changes only if you confirm it, signed in as yourself: open this "
            "message in your ContactPoint inbox and follow its link to Changes to confirm. If "
            "you did not ask for this, choose 'I did not ask for this' there: the auditors are "
            "told at once. If you do nothing, the request lapses on "
            f"{timezone.localtime(request.expires_at):%d %B %Y at %H:%M}."
        ),
        link=reverse("account:changes"),
    )


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
    if request.identity_check:
        criteria["identity_check"] = request.identity_check
    return access_event_record(
        actor=actor,
        action=action,
        outcome=AccessEvent.Outcome.OK,
        criteria=criteria,
        reason=f"{request.get_kind_display()} for user {request.target_id}: {request.note}"[:300],
    )


def _alert(
    *, request: ProvisioningRequest, event_id: int, now, summary: str = "", key: str = ""
) -> None:
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
            summary=summary
            or (
                f"{request.get_kind_display()} applied to {_whose(request)} account: asked by "
                f"{requester}, approved by {approver}."
            ),
            evidence_ids=[i for i in (request.requested_event_id, event_id) if i is not None],
            key=key or f"request-{request.pk}",
        ),
        window=window_after(window_floor(now, HOUR), HOUR),
        now=now,
    )


# --- The account holder -------------------------------------------------------------------


def provisioning_requests_for_owner(*, user: User) -> list[ProvisioningRequest]:
    """The approved changes to ``user``'s own account that wait for them to confirm (their
    "Changes to confirm" page), oldest first; lapsed ones are not offered."""
    return list(
        ProvisioningRequest.objects.filter(
            target=user, status=Status.AWAITING_OWNER, expires_at__gt=timezone.now()
        )
        .select_related("requested_by", "decided_by")
        .order_by("requested_at", "pk")
    )


def provisioning_owner_decide(
    *, user: User, request_id: int, confirm: bool, actor: Actor
) -> ProvisioningRequest:
    """The account holder confirms (the change is applied, the old address told, the
    auditors alerted) or refuses (nothing changes; a high-severity alert says the holder did
    not ask for it). Only the holder decides: anyone else, or a request not waiting for them,
    gets ``ProvisioningRequestNotFound``."""
    now = timezone.now()
    with transaction.atomic():
        request = (
            ProvisioningRequest.objects.select_for_update(of=("self",))
            .select_related("target", "requested_by", "decided_by")
            .filter(pk=request_id, target=user, status=Status.AWAITING_OWNER)
            .first()
        )
        if request is None:
            raise ProvisioningRequestNotFound(request_id)
        lapsed = request.expires_at <= now
        if lapsed:
            _expire(request=request, actor=actor, now=now)
        else:
            request.status = Status.APPROVED if confirm else Status.REFUSED_BY_OWNER
            request.owner_decided_at = now
            request.save(update_fields=["status", "owner_decided_at"])
            if confirm:
                _apply(request)
            event = _record(
                actor=actor,
                action=AccessEvent.Action.PROVISION_OWNER_CONFIRMED
                if confirm
                else AccessEvent.Action.PROVISION_OWNER_REFUSED,
                request=request,
            )
            _alert(
                request=request,
                event_id=event.pk,
                now=now,
                summary=_owner_summary(request, confirmed=confirm),
                key=f"request-{request.pk}-{'confirmed' if confirm else 'refused'}",
            )
    if lapsed:
        raise ProvisioningRefused("This request has lapsed; nothing was changed.")
    return request


def _whose(request: ProvisioningRequest) -> str:
    """'a child reader's' or 'a supervisor's', for the alert's summary."""
    role = request.target.role
    if role in CHILD_READER_ROLES:
        return "a child reader's"
    if role not in Role.values:
        return "an"
    label = Role(role).label.lower()
    return f"{'an' if label[0] in 'aeiou' else 'a'} {label}'s"


def _owner_summary(request: ProvisioningRequest, *, confirmed: bool) -> str:
    asked = (
        f"asked by {request.requested_by.get_username()}, approved by "
        f"{request.decided_by.get_username()}"
    )
    if confirmed:
        return (
            f"{request.get_kind_display()} applied to {_whose(request)} account: {asked}, "
            "confirmed by the account holder."
        )
    return (
        f"The account holder says they did not ask for a {request.get_kind_display().lower()} "
        f"({asked}): possible attempt to take over the account."
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
        if original is not None:
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
) -> ProvisioningRequest:
    """Ask for ``user``'s authenticator to be reset: it waits for a second approver, who
    checks the holder's identity (rule: separation of duties; every account, see the module
    docstring). Returns the pending request."""
    return provisioning_request_create(
        kind=Kind.SECOND_FACTOR_RESET, target=user, requested_by=requested_by, actor=actor
    )
