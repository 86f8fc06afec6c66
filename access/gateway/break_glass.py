"""Break-glass and access requests: reaching one child outside scope, accountably.

Rules:
- Emergency (break-glass): a fresh second factor (checked by the view), a reason and a written
  justification, then a whole-directory search that needs strong identifiers; choosing a child
  grants time-limited access to that child only. The supervisor is told at once and judges
  afterwards; no judgement within the deadline escalates to an auditor.
- Planned: the same, except the supervisor approves before any child is shown.
- A user with no supervisor cannot ask; nobody judges their own request, nor one from someone
  who supervises them.
- Every step is an audit event; shielded children stay hidden from the directory-wide search.
- No harvesting (issue 14, finding 3): each whole-directory search is a lookup inside the
  user's lookup limit, and one request may make at most ``BREAK_GLASS_SEARCHES_PER_REQUEST``
  of them; the supervisor is told when break-glass is invoked, not only when a child is chosen.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from access.models import AccessRequest, Notification, Role, User
from access.notifications import notification_create
from access.purposes import Purpose
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record, access_event_record_now
from contactpoint.errors import NotFound, Refused
from directory.models import Child

from .gate import ensure_may_read
from .search import SearchCriteria, SearchResult, children_matching
from .search import search_session_tune as _tune


class BreakGlassRefused(Refused):
    """The request cannot go ahead; ``reasons`` say why in words the user can act on."""


class RequestNotFound(NotFound):
    """No request of this user with this id (or one this user may judge)."""


NO_SUPERVISOR = (
    "You have no supervisor in ContactPoint, so nobody could review this request. "
    "Ask your organisation's ContactPoint administrator to assign one."
)
STRONG_IDENTIFIERS = "Enter the family name with a date of birth or a full postcode"
SEARCHES_USED_UP = (
    "You have made the {cap} whole-directory searches one request allows. If you still cannot "
    "find the child, start a new request: your supervisor is told of each one."
)


# What a planned request's reason amounts to as a lookup purpose (``access.purposes``). "Other"
# names none: the record page asks the requester, as it asks anyone without a stated purpose.
_PLANNED_PURPOSES = {
    AccessRequest.Reason.NEW_INVOLVEMENT: Purpose.CURRENT_INVOLVEMENT,
    AccessRequest.Reason.IMMEDIATE_RISK: Purpose.SAFEGUARDING_CONCERN,
    AccessRequest.Reason.MISSING_CHILD: Purpose.SAFEGUARDING_CONCERN,
    AccessRequest.Reason.OUT_OF_HOURS: Purpose.REFERRAL,
    AccessRequest.Reason.MEDICAL_EMERGENCY: Purpose.EMERGENCY,
}


def request_purpose(request: AccessRequest) -> str | None:
    """The purpose the lookups of ``request`` are made and audited with (rule: purpose).

    Break-glass is an emergency; a planned request is what its reason amounts to, so an
    approved request to start working with a child opens the record for "current
    involvement", not "emergency" (issue 17, point 6). None: the reason names no purpose.
    """
    return _purpose_of(kind=request.kind, reason=request.reason)


def _purpose_of(*, kind: str, reason: str) -> str | None:
    if kind == AccessRequest.Kind.EMERGENCY:
        return Purpose.EMERGENCY.value
    purpose = _PLANNED_PURPOSES.get(reason)
    return purpose.value if purpose else None


def _audit_purpose(request: AccessRequest) -> str:
    """The purpose column of a request's own events: its purpose, or where the reason names
    none, the reason itself."""
    return request_purpose(request) or request.reason


def break_glass_blockers(*, user: User) -> list[str]:
    """Why ``user`` could not open any request at all, known before they fill anything in
    (issue 17, point 3). The same check ``access_request_open`` refuses on."""
    return [NO_SUPERVISOR] if user.supervisor_id is None else []


class _SearchesUsedUp(Exception):
    """The request's last directory search was taken by a concurrent one."""


def _choose_deadline(request: AccessRequest) -> datetime:
    started = request.approved_at or request.created_at
    return started + timedelta(minutes=settings.GRANT_CHOOSE_WITHIN_MINUTES)


def access_request_open(
    *,
    user: User,
    kind: str,
    reason: str,
    justification: str,
    actor: Actor,
    criteria: dict | None = None,
) -> AccessRequest:
    """Open an emergency (break-glass) or planned request; refused without a supervisor."""
    today = timezone.localdate()
    purpose = _purpose_of(kind=kind, reason=reason) or reason
    ensure_may_read(user=user, actor=actor, today=today, purpose=purpose, criteria={})
    problems = break_glass_blockers(user=user)
    if len(justification.strip()) < settings.JUSTIFICATION_MIN_LENGTH:
        problems.append(
            f"Justification must be at least {settings.JUSTIFICATION_MIN_LENGTH} characters"
        )
    if problems:
        access_event_record_now(
            actor=actor,
            action=AccessEvent.Action.REFUSED,
            outcome=AccessEvent.Outcome.REFUSED,
            purpose=purpose,
            reason=" ".join(problems),
        )
        raise BreakGlassRefused(problems)
    emergency = kind == AccessRequest.Kind.EMERGENCY
    with transaction.atomic():
        request = AccessRequest.objects.create(
            requester=user,
            supervisor_id=user.supervisor_id,
            kind=kind,
            reason=reason,
            justification=justification.strip(),
            criteria=criteria or {},
            status=(
                AccessRequest.Status.INVOKED
                if emergency
                else AccessRequest.Status.AWAITING_APPROVAL
            ),
            judgement=(
                AccessRequest.Judgement.PENDING if emergency else AccessRequest.Judgement.NOT_NEEDED
            ),
        )
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.BREAK_GLASS
            if emergency
            else AccessEvent.Action.ACCESS_REQUESTED,
            outcome=AccessEvent.Outcome.OK,
            purpose=purpose,
            criteria=criteria or {},
            reason=f"request {request.pk}: {reason}: {request.justification}",
        )
        if emergency:
            _notify_supervisor_of_break_glass_invoked(request)
        else:
            _notify_supervisor_of_request(request)
    return request


def access_request_for_requester(*, user: User, request_id: int) -> AccessRequest:
    """The user's own request, or RequestNotFound (never someone else's)."""
    request = AccessRequest.objects.filter(pk=request_id, requester=user).first()
    if request is None:
        raise RequestNotFound(request_id)
    return request


def _ensure_choosable(request: AccessRequest, now: datetime) -> None:
    open_states = (AccessRequest.Status.INVOKED, AccessRequest.Status.APPROVED)
    if request.status not in open_states or now > _choose_deadline(request):
        raise BreakGlassRefused(
            ["This request is no longer open. Start a new one if you still need access."]
        )


def has_strong_identifiers(criteria: SearchCriteria) -> bool:
    full_postcode = bool(criteria.postcode) and not criteria.postcode_is_outward
    return bool(criteria.family_name) and (bool(criteria.date_of_birth) or full_postcode)


def directory_search(
    *, user: User, request: AccessRequest, criteria: SearchCriteria, actor: Actor
) -> SearchResult:
    """Search the whole directory for an open request; shielded children stay hidden.

    Rule (no bulk export): the search counts in the user's lookup limit like any other, and
    the request's ``BREAK_GLASS_SEARCHES_PER_REQUEST`` searches are its last; a refusal of
    either kind is audited. The ids offered are remembered on the request: only one of them
    can be granted.
    """
    now = timezone.now()
    _ensure_choosable(request, now)
    if not has_strong_identifiers(criteria):
        raise BreakGlassRefused([STRONG_IDENTIFIERS])
    audit_criteria = criteria.for_audit()
    if request.directory_searches >= settings.BREAK_GLASS_SEARCHES_PER_REQUEST:
        raise _searches_used_up(request=request, criteria=audit_criteria, actor=actor)
    ensure_may_read(
        user=user,
        actor=actor,
        today=timezone.localdate(),
        purpose=_audit_purpose(request),
        criteria=audit_criteria,
    )
    try:
        return _directory_search_run(
            request=request, criteria=criteria, audit_criteria=audit_criteria, actor=actor
        )
    except _SearchesUsedUp:
        raise _searches_used_up(request=request, criteria=audit_criteria, actor=actor) from None


# Rule (shielding): a shielded child is never offered by a whole-directory search.
_NOT_SHIELDED = ('NOT "directory_child"."shielded"', [])

# Rule (no bulk export): a search is taken only while the request has one left, in the same
# statement that remembers what it offered, so two tabs racing for the last one cannot both
# have it (the second waits for the first's row lock, then sees the count it left).
_SEARCH_TAKE = """
    UPDATE "access_accessrequest"
    SET "directory_searches" = "directory_searches" + 1, "offered_ids" = %s::varchar(32)[]
    WHERE "id" = %s AND "directory_searches" < %s
    RETURNING "directory_searches"
"""


def _directory_search_run(
    *, request: AccessRequest, criteria: SearchCriteria, audit_criteria: dict, actor: Actor
) -> SearchResult:
    """The search, the search it takes from the request and the event naming what it found,
    in one transaction: if no search is left or the event cannot be written, nothing is
    shown. Fixed statements, not the ORM's (issue 16): building them cost more CPU than
    PostgreSQL spent on them."""
    with transaction.atomic():
        _tune()
        result = children_matching(
            criteria=criteria, condition=_NOT_SHIELDED, cap=settings.DIRECTORY_SEARCH_CAP
        )
        offered = [child.public_id for child in result.children]
        with connection.cursor() as cursor:
            cursor.execute(
                _SEARCH_TAKE,
                [offered, request.pk, settings.BREAK_GLASS_SEARCHES_PER_REQUEST],
            )
            taken = cursor.fetchone()
        if taken is None:
            raise _SearchesUsedUp
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.DIRECTORY_SEARCH,
            outcome=AccessEvent.Outcome.SHOWN if offered else AccessEvent.Outcome.NOT_FOUND,
            purpose=_audit_purpose(request),
            criteria=audit_criteria,
            result_ids=offered,
            reason=f"request {request.pk}",
        )
    request.directory_searches, request.offered_ids = taken[0], offered
    return result


def _searches_used_up(*, request: AccessRequest, criteria: dict, actor: Actor) -> BreakGlassRefused:
    """Record the refusal in its own transaction (it must outlive the request) and return the
    exception that tells the user."""
    cap = settings.BREAK_GLASS_SEARCHES_PER_REQUEST
    access_event_record_now(
        actor=actor,
        action=AccessEvent.Action.REFUSED,
        outcome=AccessEvent.Outcome.REFUSED,
        purpose=_audit_purpose(request),
        criteria=criteria,
        reason=f"request {request.pk}: all {cap} whole-directory searches used",
    )
    return BreakGlassRefused([SEARCHES_USED_UP.format(cap=cap)])


def access_grant(
    *, user: User, request: AccessRequest, public_id: str, actor: Actor
) -> AccessRequest:
    """Grant the request's access to one child it offered, for ``GRANT_MINUTES``."""
    now = timezone.now()
    with transaction.atomic():
        request = AccessRequest.objects.select_for_update().get(pk=request.pk, requester=user)
        _ensure_choosable(request, now)
        if public_id not in request.offered_ids:
            raise BreakGlassRefused(["Choose a child from your search results."])
        request.child = Child.objects.get(public_id=public_id)
        request.status = AccessRequest.Status.GRANTED
        request.granted_at = now
        request.expires_at = now + timedelta(minutes=settings.GRANT_MINUTES)
        request.save(update_fields=["child", "status", "granted_at", "expires_at"])
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.ACCESS_GRANTED,
            outcome=AccessEvent.Outcome.OK,
            purpose=_audit_purpose(request),
            child_public_id=public_id,
            reason=f"request {request.pk} until {request.expires_at:%Y-%m-%d %H:%M}",
        )
        if request.kind == AccessRequest.Kind.EMERGENCY:
            _notify_supervisor_of_break_glass(request)
    return request


def access_requests_for_requester(*, user: User, limit: int = 50) -> list[AccessRequest]:
    """The user's own requests, newest first, each with ``child_public_id`` (the only fact
    about the child shown in the list; the record itself stays behind the gateway)."""
    return list(
        AccessRequest.objects.filter(requester=user)
        .annotate(child_public_id=F("child__public_id"))
        .order_by("-created_at")[:limit]
    )


def _requester_line(request: AccessRequest) -> str:
    requester = request.requester
    organisation = requester.organisation.name if requester.organisation else "no organisation"
    return (
        f"{requester.get_full_name() or requester.username} ({requester.job_title}, {organisation})"
    )


def _notify_supervisor_of_break_glass(request: AccessRequest) -> None:
    notification_create(
        recipient=request.supervisor,
        kind=Notification.Kind.BREAK_GLASS,
        subject="Emergency access used by your team",
        body=(
            f"{_requester_line(request)} used emergency access (break-glass) at "
            f"{timezone.localtime(request.granted_at):%H:%M on %d %B %Y}.\n"
            f"Reason: {request.get_reason_display()}.\n"
            "Please review it and endorse or reject it in your supervision queue."
        ),
        link=f"/supervision/{request.pk}/",
    )


def _notify_supervisor_of_break_glass_invoked(request: AccessRequest) -> None:
    """Rule (break-glass): the supervisor is told the moment the glass is broken, before any
    child is chosen, so a request used only to search the directory does not go unseen."""
    notification_create(
        recipient=request.supervisor,
        kind=Notification.Kind.BREAK_GLASS,
        subject="Emergency access started by your team",
        body=(
            f"{_requester_line(request)} started emergency access (break-glass) at "
            f"{timezone.localtime(request.created_at):%H:%M on %d %B %Y} and may now search "
            "the whole directory.\n"
            f"Reason: {request.get_reason_display()}.\n"
            "You will be told which child they choose. Their searches and choice are in your "
            "supervision queue."
        ),
        link=f"/supervision/{request.pk}/",
        in_app_detail=f"Justification: {request.justification}",
    )


def _notify_supervisor_of_request(request: AccessRequest) -> None:
    notification_create(
        recipient=request.supervisor,
        kind=Notification.Kind.ACCESS_REQUEST,
        subject="A request for access is waiting for you",
        body=(
            f"{_requester_line(request)} asks for access to a child outside their scope.\n"
            f"Reason: {request.get_reason_display()}.\n"
            "Approve or decline it in your supervision queue."
        ),
        link=f"/supervision/{request.pk}/",
    )


def system_actor_for(user: User) -> Actor:
    """The actor for an event the system records about ``user`` (no request, no address)."""
    return Actor(
        user_id=user.pk,
        username=user.username,
        role=user.role,
        organisation_id=user.organisation_id,
        ip_address=None,
        user_agent="system",
    )


def auditors() -> list[User]:
    return list(User.objects.filter(role=Role.AUDITOR, is_active=True))


def requests_unchosen_lapse(*, now: datetime | None = None) -> int:
    """Close requests whose window to choose a child has passed without a choice."""
    now = now or timezone.now()
    window = timedelta(minutes=settings.GRANT_CHOOSE_WITHIN_MINUTES)
    invoked = AccessRequest.objects.filter(
        status=AccessRequest.Status.INVOKED, created_at__lt=now - window
    )
    approved = AccessRequest.objects.filter(
        status=AccessRequest.Status.APPROVED, approved_at__lt=now - window
    )
    lapsed = AccessRequest.Status.LAPSED
    return invoked.update(status=lapsed) + approved.update(status=lapsed)


def grants_expired_record(*, now: datetime | None = None) -> int:
    """Write one audit event per grant whose expiry has passed (once each)."""
    now = now or timezone.now()
    count = 0
    expired = AccessRequest.objects.filter(
        status=AccessRequest.Status.GRANTED, expires_at__lte=now, expiry_recorded=False
    ).select_related("requester", "child")
    for request in expired:
        with transaction.atomic():
            locked = (
                AccessRequest.objects.select_for_update(skip_locked=True)
                .filter(pk=request.pk, expiry_recorded=False)
                .first()
            )
            if locked is None:
                continue
            locked.expiry_recorded = True
            locked.save(update_fields=["expiry_recorded"])
            access_event_record(
                actor=system_actor_for(request.requester),
                action=AccessEvent.Action.GRANT_EXPIRED,
                outcome=AccessEvent.Outcome.OK,
                child_public_id=request.child.public_id,
                reason=f"request {request.pk}",
            )
            count += 1
    return count
