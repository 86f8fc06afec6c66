"""Brokered contact as a piece of work: asked, taken by one data manager, closed with a reply.

Rule (brokering, issue 17 point 8): a practitioner who finds a shielded child in their scope
does not see where the child lives; they ask the child's local authority to put them in
touch. Every data manager of that authority is told, but one of them takes the request and
closes it with a reply the requester reads, so a request neither falls through nor is handled
twice. Who may work the queue is the one data-manager test (``authority_managed_by``): a data
manager of the child's authority with current vetting; anyone else, and any request of another
authority, gets ``ContactRequestNotFound``, like one that does not exist.

Rule (audit before data): the queue and an opened request name the child, so each is a read
written to the log in the same transaction; taking and closing are events too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from audit.writer import Actor, access_event_record
from contactpoint.errors import NotFound, Refused
from directory.models import Child

from ..models import ContactRequest, Notification, User
from ..notifications import notification_create
from .enquirers import child_line, enquirer_details
from .errors import ChildNotFound
from .gate import ensure_may_read
from .scope import child_scope_q
from .shielding import authority_managed_by, data_managers_for

Status = ContactRequest.Status
OPEN = (Status.OPEN, Status.TAKEN)
# The queue shows this many open requests, oldest first, and the latest closed ones.
QUEUE_CAP = 200
CLOSED_SHOWN = 20


class ContactRequestNotFound(NotFound):
    """No request this data manager may work has this id (404, as for one that does not
    exist)."""


class ContactRequestRefused(Refused):
    """The step cannot be taken; ``reason`` says why in words the user can act on."""


@dataclass(frozen=True)
class ContactQueue:
    open: list[ContactRequest]
    closed: list[ContactRequest]


@dataclass(frozen=True)
class ContactRequestSent:
    local_authority: str
    recipients: int
    # The user already had an open request about this child: this one was added to it.
    added_to_open: bool = False


def contact_request_send(
    *, user: User, public_id: str, purpose: str, message: str, actor: Actor
) -> ContactRequestSent:
    """Ask the shielded child's local authority to broker contact (rule: brokering).

    Only for a shielded child in the user's scope; anything else is ``ChildNotFound``, after
    the same query and audit insert. A repeat by one user about one child while their request
    is open is added to it, and the team is told of a request once, not of each repeat.
    """
    now = timezone.now()
    today = timezone.localdate(now)
    ensure_may_read(
        user=user, actor=actor, today=today, purpose=purpose, criteria={"public_id": public_id}
    )
    sent = None
    with transaction.atomic():
        child = (
            Child.objects.filter(
                child_scope_q(user=user, now=now, today=today),
                public_id=public_id,
                status=Child.Status.ACTIVE,
                shielded=True,
            )
            .select_related("local_authority")
            .first()
        )
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.CONTACT_REQUEST,
            outcome=AccessEvent.Outcome.OK if child else AccessEvent.Outcome.NOT_FOUND,
            purpose=purpose,
            child_public_id=public_id,
            reason=message,
        )
        if child is not None:
            request, created = contact_request_record(
                child=child, user=user, purpose=purpose, message=message
            )
            sent = ContactRequestSent(
                local_authority=child.local_authority.name,
                recipients=contact_request_notify_team(request, child=child) if created else 0,
                added_to_open=not created,
            )
    if sent is None:
        raise ChildNotFound(public_id)
    return sent


def contact_request_record(*, child: Child, user: User, purpose: str, message: str):
    """The request behind a brokered contact, written in the caller's transaction
    (``contact_request_send``, after its audit event). A repeat by the same user about
    the same child while one is still open adds to that one instead of opening another."""
    existing = (
        ContactRequest.objects.select_for_update()
        .filter(requester=user, child=child, status__in=OPEN)
        .first()
    )
    if existing is not None:
        if message and message not in existing.message:
            existing.message = f"{existing.message}\n\n{message}".strip()
            existing.save(update_fields=["message"])
        return existing, False
    created = ContactRequest.objects.create(
        child=child,
        child_public_id=child.public_id,
        local_authority_id=child.local_authority_id,
        requester=user,
        purpose=purpose,
        message=message,
    )
    return created, True


def contact_request_notify_team(request: ContactRequest, *, child: Child) -> int:
    """Tell each of the authority's data managers, once per request (the e-mail names no
    child; the inbox line does)."""
    team = data_managers_for(local_authority_id=request.local_authority_id)
    enquirer = enquirer_details(
        user=request.requester, when=request.created_at, purpose=request.purpose
    )
    body = (
        f"Someone asks {child.local_authority.name}'s ContactPoint management team to put "
        "them in touch with a shielded child who lives in your authority, or with those who "
        f"work with the child.\n\n{enquirer}\n\n"
        "Open it in ContactPoint to take it: whoever takes it answers the requester, so it is "
        "handled once."
    )
    detail = child_line(
        given_name=child.given_name,
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
        public_id=child.public_id,
    )
    if request.message:
        detail += f"\nTheir message: {request.message}"
    for member in team:
        notification_create(
            recipient=member,
            kind=Notification.Kind.CONTACT_REQUEST,
            subject="Request to contact a shielded child",
            body=body,
            in_app_detail=detail,
            link=reverse("contact_requests:item", args=[request.pk]),
            dedupe_key=f"contact-request:{request.pk}:{member.pk}",
        )
    return len(team)


def contact_queue(*, user: User, actor: Actor) -> ContactQueue:
    """The authority's open requests (oldest first) and the latest closed ones."""
    authority = _authority(user)
    requests = ContactRequest.objects.filter(local_authority_id=authority).select_related(
        "child", "requester", "requester__organisation", "assignee"
    )
    with transaction.atomic():
        open_requests = list(requests.filter(status__in=OPEN).order_by("created_at")[:QUEUE_CAP])
        closed = list(requests.exclude(status__in=OPEN).order_by("-closed_at")[:CLOSED_SHOWN])
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.CONTACT_QUEUE_VIEW,
            outcome=AccessEvent.Outcome.SHOWN,
            result_ids=sorted({r.child_public_id for r in open_requests + closed}),
        )
    return ContactQueue(open=open_requests, closed=closed)


def contact_request_for_manager(*, user: User, request_id: int, actor: Actor) -> ContactRequest:
    """One request of the user's authority, with its child, for its page (audited)."""
    authority = _authority(user)
    with transaction.atomic():
        request = _locked_or_none(request_id, authority, lock=False)
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.CONTACT_REQUEST_VIEW,
            outcome=AccessEvent.Outcome.SHOWN if request else AccessEvent.Outcome.NOT_FOUND,
            child_public_id=request.child_public_id if request else "",
            criteria={"contact_request": request_id},
        )
    if request is None:
        raise ContactRequestNotFound(request_id)
    return request


def contact_request_take(*, user: User, request_id: int, actor: Actor) -> ContactRequest:
    """Take an open request: from now on it is this data manager's to answer. Taking one
    someone else holds is refused (they may be on the phone to the family)."""
    authority = _authority(user)
    with transaction.atomic():
        request = _locked_or_none(request_id, authority, lock=True)
        if request is None:
            raise ContactRequestNotFound(request_id)
        if request.status == Status.TAKEN:
            holder = request.assignee.get_full_name() or request.assignee.get_username()
            raise ContactRequestRefused(f"{holder} has already taken this request.")
        if request.status != Status.OPEN:
            raise ContactRequestRefused("This request is closed.")
        request.status, request.assignee, request.taken_at = Status.TAKEN, user, timezone.now()
        request.save(update_fields=["status", "assignee", "taken_at"])
        _record(actor, AccessEvent.Action.CONTACT_REQUEST_TAKEN, request)
    return request


def contact_request_close(
    *, user: User, request_id: int, handled: bool, reply: str, actor: Actor
) -> ContactRequest:
    """Close a request the user has taken, with the reply the requester reads (required:
    "handled" tells them what happens next, "declined" why not). The requester is told."""
    reply = reply.strip()
    if not reply:
        raise ContactRequestRefused("Write the reply the requester will read.")
    authority = _authority(user)
    with transaction.atomic():
        request = _locked_or_none(request_id, authority, lock=True)
        if request is None:
            raise ContactRequestNotFound(request_id)
        if request.status != Status.TAKEN or request.assignee_id != user.pk:
            raise ContactRequestRefused("Take the request before you close it.")
        request.status = Status.HANDLED if handled else Status.DECLINED
        request.reply, request.closed_at = reply, timezone.now()
        request.save(update_fields=["status", "reply", "closed_at"])
        _record(actor, AccessEvent.Action.CONTACT_REQUEST_CLOSED, request)
        notification_create(
            recipient=request.requester,
            kind=Notification.Kind.CONTACT_REPLY,
            subject="Your request to contact a shielded child was answered",
            body=(
                f"{request.local_authority.name}'s ContactPoint management team answered your "
                "request. Read their reply under Requests in ContactPoint."
            ),
            # The reply stays on the request (which retention redacts), not in the inbox.
            link=reverse("break_glass:my_requests"),
        )
    return request


def contact_requests_for_requester(*, user: User) -> list[ContactRequest]:
    """The user's own requests, newest first: status and reply, and the ContactPoint ID they
    asked about (no more of the child than they saw when asking)."""
    return list(
        ContactRequest.objects.filter(requester=user)
        .select_related("local_authority")
        .order_by("-created_at")[:100]
    )


def _authority(user: User) -> str:
    authority = authority_managed_by(user, today=timezone.localdate())
    if authority is None:
        raise ContactRequestNotFound(None)
    return authority


def _locked_or_none(request_id: int, authority: str, *, lock: bool) -> ContactRequest | None:
    requests = ContactRequest.objects.filter(pk=request_id, local_authority_id=authority)
    if lock:
        requests = requests.select_for_update(of=("self",))
    return requests.select_related(
        "child", "requester", "requester__organisation", "assignee", "local_authority"
    ).first()


def _record(actor: Actor, action: str, request: ContactRequest) -> None:
    access_event_record(
        actor=actor,
        action=action,
        outcome=AccessEvent.Outcome.OK,
        child_public_id=request.child_public_id,
        criteria={"contact_request": request.pk, "status": request.status},
    )
