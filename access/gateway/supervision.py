"""The supervisor's side of break-glass and access requests.

Rules: a supervisor sees each request by their team with the child's name and age only (no
contact details), the reason and justification, and what the requester viewed during the
grant; they endorse or reject an emergency, approve or decline a planned request, with a note.
Nobody judges their own request or one from someone who supervises them. An emergency left
unjudged for ``JUDGEMENT_WORKING_DAYS`` working days escalates to the auditors; a rejection is
sent to them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from access.models import AccessRequest, Notification, Role, User
from access.notifications import notification_create
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record
from contactpoint.errors import NotForRole

from .break_glass import (
    BreakGlassRefused,
    RequestNotFound,
    auditors,
    system_actor_for,
)


@dataclass(frozen=True)
class ViewDuringGrant:
    occurred_at: datetime
    action: str


@dataclass(frozen=True)
class SupervisionItem:
    """One request as its judge sees it: the child by name and age only."""

    request_id: int
    kind: str
    kind_label: str
    requester: str
    requester_role: str
    requester_organisation: str
    reason: str
    justification: str
    status: str
    status_label: str
    judgement: str
    judgement_label: str
    judgement_note: str
    created_at: datetime
    granted_at: datetime | None
    expires_at: datetime | None
    child_name: str
    child_age: int | None
    directory_searches: int
    views: list[ViewDuringGrant]

    @property
    def awaiting_approval(self) -> bool:
        return self.status == AccessRequest.Status.AWAITING_APPROVAL

    @property
    def awaiting_judgement(self) -> bool:
        return self.judgement == AccessRequest.Judgement.PENDING


def working_days_after(start: datetime, days: int) -> datetime:
    """``start`` moved forward by ``days`` working days (Monday to Friday), counted in local
    days at the same local time: a request made at 00:30 on a summer Saturday was made on a
    Saturday, though in UTC it is still Friday."""
    moment = timezone.localtime(start)
    remaining = days
    while remaining > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            remaining -= 1
    return moment


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


ACTION_VALUES = frozenset(AccessEvent.Action.values)
_VIEWS_DURING_GRANTS = """
SELECT g.request_id, e.occurred_at, e.action
FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::timestamptz[], %s::timestamptz[])
     AS g(request_id, actor_id, child_public_id, granted_at, expires_at)
JOIN audit_accessevent e
  ON e.actor_id = g.actor_id AND e.child_public_id = g.child_public_id
 AND e.occurred_at >= g.granted_at AND e.occurred_at <= g.expires_at
ORDER BY g.request_id, e.occurred_at, e.id
"""


def _views_during_grants(requests: list[AccessRequest]) -> dict[int, list[ViewDuringGrant]]:
    """What each requester looked at while their grant was live, for a whole queue in one
    query (a team's queue can be long; one query per row would grow with it)."""
    granted = [r for r in requests if r.child is not None and r.granted_at is not None]
    views: dict[int, list[ViewDuringGrant]] = {r.pk: [] for r in requests}
    if not granted:
        return views
    with connection.cursor() as cursor:
        cursor.execute(
            _VIEWS_DURING_GRANTS,
            [
                [r.pk for r in granted],
                [r.requester_id for r in granted],
                [r.child.public_id for r in granted],
                [r.granted_at for r in granted],
                [r.expires_at for r in granted],
            ],
        )
        for request_id, occurred_at, action in cursor.fetchall():
            label = AccessEvent.Action(action).label if action in ACTION_VALUES else action
            views[request_id].append(ViewDuringGrant(occurred_at, label))
    return views


def _items(requests: list[AccessRequest], today: date) -> list[SupervisionItem]:
    views = _views_during_grants(requests)
    return [_item(r, today, views[r.pk]) for r in requests]


def _item(request: AccessRequest, today: date, views: list[ViewDuringGrant]) -> SupervisionItem:
    requester = request.requester
    child = request.child
    return SupervisionItem(
        request_id=request.pk,
        kind=request.kind,
        kind_label=request.get_kind_display(),
        requester=requester.get_full_name() or requester.username,
        requester_role=requester.job_title or requester.get_role_display(),
        requester_organisation=requester.organisation.name if requester.organisation else "",
        reason=request.get_reason_display(),
        justification=request.justification,
        status=request.status,
        status_label=request.get_status_display(),
        judgement=request.judgement,
        judgement_label=request.get_judgement_display(),
        judgement_note=request.judgement_note,
        created_at=request.created_at,
        granted_at=request.granted_at,
        expires_at=request.expires_at,
        child_name=f"{child.given_name} {child.family_name}" if child else "",
        child_age=_age(child.date_of_birth, today) if child else None,
        directory_searches=request.directory_searches,
        views=views,
    )


def _judge_problem(judge: User, request: AccessRequest) -> str | None:
    if request.requester_id == judge.pk:
        return "You cannot judge your own request."
    if judge.supervisor_id == request.requester_id:
        return "You cannot judge a request from someone who supervises you."
    if request.supervisor_id != judge.pk:
        return "Only the requester's supervisor can judge this request."
    return None


def _queue(filter_q: Q) -> list[AccessRequest]:
    return list(
        AccessRequest.objects.filter(filter_q)
        .select_related("requester__organisation", "child")
        .order_by("-created_at")
    )


def supervision_queue(*, supervisor: User, actor: Actor, include_done: bool = False):
    """Requests by the supervisor's team that need (or, with ``include_done``, had) a decision.

    Child names are child data: the list is read and audited in one transaction.
    """
    needs_decision = Q(judgement=AccessRequest.Judgement.PENDING) | Q(
        status=AccessRequest.Status.AWAITING_APPROVAL
    )
    condition = Q(supervisor=supervisor) & ~Q(requester=supervisor)
    if not include_done:
        condition &= needs_decision
    today = timezone.localdate()
    with transaction.atomic():
        items = _items(_queue(condition), today)
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.SUPERVISION_VIEW,
            outcome=AccessEvent.Outcome.SHOWN,
            result_ids=[r.child.public_id for r in _queue(condition) if r.child][:200],
        )
    return items


def supervision_item(*, judge: User, request_id: int, actor: Actor) -> SupervisionItem:
    """One request for its judge; any other user gets RequestNotFound."""
    with transaction.atomic():
        request = (
            AccessRequest.objects.select_related("requester__organisation", "child")
            .filter(pk=request_id, supervisor=judge)
            .exclude(requester=judge)
            .first()
        )
        if request is None:
            raise RequestNotFound(request_id)
        [item] = _items([request], timezone.localdate())
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.SUPERVISION_VIEW,
            outcome=AccessEvent.Outcome.SHOWN,
            child_public_id=request.child.public_id if request.child else "",
            reason=f"request {request.pk}",
        )
    return item


DECISIONS = {
    "endorse": (AccessRequest.Kind.EMERGENCY, AccessEvent.Action.BREAK_GLASS_ENDORSED),
    "reject": (AccessRequest.Kind.EMERGENCY, AccessEvent.Action.BREAK_GLASS_REJECTED),
    "approve": (AccessRequest.Kind.PLANNED, AccessEvent.Action.REQUEST_APPROVED),
    "decline": (AccessRequest.Kind.PLANNED, AccessEvent.Action.REQUEST_DECLINED),
}


def access_request_judge(
    *, judge: User, request_id: int, decision: str, note: str, actor: Actor
) -> AccessRequest:
    """Record the judge's decision; refused for the wrong judge or a decided request."""
    kind, action = DECISIONS[decision]
    now = timezone.now()
    with transaction.atomic():
        request = (
            AccessRequest.objects.select_for_update(of=("self",))
            .select_related("requester", "child")
            .filter(pk=request_id)
            .first()
        )
        if request is None or request.supervisor_id != judge.pk:
            raise RequestNotFound(request_id)
        problem = _judge_problem(judge, request)
        if problem is None and request.kind != kind:
            problem = "That decision does not apply to this kind of request."
        if problem is None and not _decidable(request):
            problem = "This request has already been decided."
        if problem:
            raise BreakGlassRefused([problem])
        _apply(request, decision, note.strip(), judge, now)
        access_event_record(
            actor=actor,
            action=action,
            outcome=AccessEvent.Outcome.OK,
            child_public_id=request.child.public_id if request.child else "",
            reason=f"request {request.pk}: {note.strip()}"[:300],
        )
        _notify_after_decision(request, decision)
    return request


def _decidable(request: AccessRequest) -> bool:
    if request.kind == AccessRequest.Kind.EMERGENCY:
        return request.judgement in (
            AccessRequest.Judgement.PENDING,
            AccessRequest.Judgement.ESCALATED,
        )
    return request.status == AccessRequest.Status.AWAITING_APPROVAL


def _apply(request: AccessRequest, decision: str, note: str, judge: User, now) -> None:
    request.judged_by = judge
    request.judged_at = now
    request.judgement_note = note
    if decision == "endorse":
        request.judgement = AccessRequest.Judgement.ENDORSED
    elif decision == "reject":
        request.judgement = AccessRequest.Judgement.REJECTED
    elif decision == "approve":
        request.status = AccessRequest.Status.APPROVED
        request.approved_at = now
    else:
        request.status = AccessRequest.Status.DECLINED
    request.save()


def _notify_after_decision(request: AccessRequest, decision: str) -> None:
    if request.kind == AccessRequest.Kind.PLANNED:
        verdict = "approved" if decision == "approve" else "declined"
        notification_create(
            recipient=request.requester,
            kind=Notification.Kind.REQUEST_DECIDED,
            subject=f"Your request for access was {verdict}",
            body=(
                f"Your supervisor {verdict} your request for access."
                + (
                    f" You have {settings.GRANT_CHOOSE_WITHIN_MINUTES} minutes to find the "
                    "child and open their record."
                    if verdict == "approved"
                    else ""
                )
            ),
            link="/my-requests/",
        )
    elif decision == "reject":
        _notify_auditors(
            subject="A supervisor rejected an emergency access",
            body="A supervisor rejected a use of emergency access. Review it in your queue.",
        )


def _notify_auditors(*, subject: str, body: str) -> None:
    for auditor in auditors():
        notification_create(
            recipient=auditor,
            kind=Notification.Kind.ESCALATION,
            subject=subject,
            body=body,
            link="/supervision/escalations/",
        )


def break_glass_escalate_overdue(*, now: datetime | None = None) -> int:
    """Escalate emergencies left unjudged past the deadline; idempotent."""
    now = now or timezone.now()
    pending = AccessRequest.objects.filter(
        kind=AccessRequest.Kind.EMERGENCY, judgement=AccessRequest.Judgement.PENDING
    ).select_related("requester", "child")
    escalated = 0
    for request in pending:
        if working_days_after(request.created_at, settings.JUDGEMENT_WORKING_DAYS) > now:
            continue
        with transaction.atomic():
            updated = AccessRequest.objects.filter(
                pk=request.pk, judgement=AccessRequest.Judgement.PENDING
            ).update(judgement=AccessRequest.Judgement.ESCALATED, escalated_at=now)
            if not updated:
                continue
            access_event_record(
                actor=system_actor_for(request.requester),
                action=AccessEvent.Action.BREAK_GLASS_ESCALATED,
                outcome=AccessEvent.Outcome.OK,
                child_public_id=request.child.public_id if request.child else "",
                reason=f"request {request.pk}: no judgement within "
                f"{settings.JUDGEMENT_WORKING_DAYS} working days",
            )
            _notify_auditors(
                subject="An emergency access was not reviewed in time",
                body="A supervisor did not review a use of emergency access in time.",
            )
            escalated += 1
    return escalated


def escalations_for_auditor(*, user: User, actor: Actor) -> list[SupervisionItem]:
    """Escalated and rejected emergencies, for auditors only (others: the shared 404, the
    rule for a page a role may not use: ``contactpoint.errors.NotForRole``)."""
    if user.role != Role.AUDITOR:
        raise NotForRole
    condition = Q(kind=AccessRequest.Kind.EMERGENCY) & Q(
        judgement__in=[AccessRequest.Judgement.ESCALATED, AccessRequest.Judgement.REJECTED]
    )
    today = timezone.localdate()
    with transaction.atomic():
        requests = _queue(condition)
        items = _items(requests, today)
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.SUPERVISION_VIEW,
            outcome=AccessEvent.Outcome.SHOWN,
            result_ids=[r.child.public_id for r in requests if r.child][:200],
        )
    return items
