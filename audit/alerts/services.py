"""Alerts: raising them from findings, and closing them with an outcome.

Rule (review): each alert goes to a person who must close it with an outcome — the subject's
supervisor, or the auditors when the subject is a supervisor, has no supervisor, or the
finding is of high severity. Every step of a review is an audit event of its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from access.models import Notification, Role
from access.notifications import notification_create
from contactpoint.errors import Refused

from ..models import AccessEvent, Alert, AlertDecision
from ..review.detectors.base import Finding
from ..review.windows import Window, window_after, window_floor
from ..writer import Actor, access_event_record

User = get_user_model()

SUPERVISOR_ROLES = frozenset({Role.SUPERVISOR})


def alert_raise(*, detector: str, finding: Finding, window: Window, now: datetime) -> Alert | None:
    """Turn a finding into an alert (inside the caller's transaction) and tell its reviewer.

    None when an equal alert exists (same detector, subject and key) or one of the same kind
    about the same user was raised within the detector's ``suppress_days``.
    """
    subject = User.objects.filter(pk=finding.subject_id).select_related("supervisor").first()
    if subject is None or _suppressed(detector=detector, subject_id=subject.pk, now=window.end):
        return None
    supervisor = _reviewing_supervisor(subject=subject, severity=finding.severity)
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                detector=detector,
                dedupe_key=f"{detector}:{subject.pk}:{finding.key}"[:200],
                severity=finding.severity,
                subject=subject,
                assignee=supervisor,
                for_auditors=supervisor is None,
                summary=finding.summary,
                window_start=window.start,
                window_end=window.end,
                evidence_event_ids=list(finding.evidence_ids),
                evidence_count=max(finding.evidence_count, len(finding.evidence_ids)),
                raised_at=now,
            )
    except IntegrityError:
        return None
    _notify_reviewers(alert)
    return alert


def shield_override_alert_raise(*, event_id: int, user, now: datetime) -> Alert | None:
    """Rule (shielding): an override raises an alert at once, in the override's transaction.
    The key is the one the ``shielded`` detector would use, so its later review adds nothing."""
    from ..review.detectors.shielded import DETECTOR, shield_override_finding

    floor = window_floor(now, DETECTOR.window)
    return alert_raise(
        detector=DETECTOR.name,
        finding=shield_override_finding(event_id=event_id, actor_id=user.pk, refused=False),
        window=window_after(floor, DETECTOR.window),
        now=now,
    )


SEALING_STALLED = "sealing_stalled"
REVIEW_STALLED = "review_stalled"


def service_stall_alert_raise(
    *, detector: str, key: str, summary: str, since: datetime, now: datetime
) -> Alert | None:
    """Rule (tamper evidence, review): sealing or misuse review that stops keeping up protects
    and reviews nothing, and no person's alert would ever say so; the auditors are told
    through their queue, once per stall (``key``: where it stopped), at high severity.
    None when this stall was already raised."""
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                detector=detector,
                dedupe_key=f"{detector}:{key}"[:200],
                severity=Alert.Severity.HIGH,
                subject=None,
                assignee=None,
                for_auditors=True,
                summary=summary,
                window_start=since,
                window_end=now,
                raised_at=now,
            )
    except IntegrityError:
        return None
    _notify_reviewers(alert)
    return alert


def _suppressed(*, detector: str, subject_id: int, now: datetime) -> bool:
    days = settings.MISUSE_DETECTORS.get(detector, {}).get("suppress_days", 0)
    if not days:
        return False
    return Alert.objects.filter(
        detector=detector, subject_id=subject_id, window_end__gt=now - timedelta(days=days)
    ).exists()


def _reviewing_supervisor(*, subject, severity: str):
    """The supervisor who reviews an alert about ``subject``; None sends it to the auditors.
    Anyone who supervises others (a supervisor, or a supervising practitioner with a team) is
    reviewed by the auditors, not by a peer."""
    supervisor = subject.supervisor
    if severity == Alert.Severity.HIGH or subject.role in SUPERVISOR_ROLES:
        return None
    if User.objects.filter(supervisor_id=subject.pk, is_active=True).exists():
        return None
    if supervisor is None or not supervisor.is_active or supervisor.pk == subject.pk:
        return None
    return supervisor


def _notify_reviewers(alert: Alert) -> None:
    """Tell the reviewers there is something in their queue: at most one message per reviewer
    per day (``dedupe_key``), however many alerts a run raises — a backlog or a bad night must
    not become thousands of e-mails to every auditor. The queue holds the alerts themselves."""
    recipients = (
        [alert.assignee]
        if alert.assignee
        else list(User.objects.filter(role=Role.AUDITOR, is_active=True).order_by("pk"))
    )
    day = timezone.localdate(alert.raised_at).isoformat()
    for recipient in recipients:
        notification_create(
            recipient=recipient,
            kind=Notification.Kind.MISUSE_ALERT,
            subject="Misuse alerts need your review",
            body=(
                "Misuse review found something you should look at. Open your alerts queue in "
                "ContactPoint to see the evidence and record an outcome."
            ),
            link="/audit/alerts/",
            dedupe_key=f"misuse-alerts:{recipient.pk}:{day}",
        )


class AlertDecisionRefused(Refused):
    """The reviewer may not record this decision; ``reason`` says why."""


def alert_decide(
    *, alert: Alert, reviewer, action: str, note: str, suspend: bool, actor: Actor
) -> Alert:
    """Record ``reviewer``'s decision on ``alert``: close it with an outcome or escalate it.

    Rule (review): the assigned supervisor or an auditor decides; nobody decides an alert
    about themselves; a note is required; misuse may suspend the subject pending
    investigation (sessions end at once, see ``access.signals``).
    """
    note = note.strip()
    if not may_review(reviewer=reviewer, alert=alert):
        raise AlertDecisionRefused("You cannot review this alert.")
    if alert.status == Alert.Status.CLOSED:
        raise AlertDecisionRefused("This alert is already closed.")
    if not note:
        raise AlertDecisionRefused("Write a note saying what you found.")
    if suspend and action != AlertDecision.Action.MISUSE:
        raise AlertDecisionRefused("Only an outcome of misuse can suspend the account.")
    if action == AlertDecision.Action.ESCALATE and alert.for_auditors:
        raise AlertDecisionRefused("This alert is already with the auditors.")
    if suspend and alert.subject_id is None:
        raise AlertDecisionRefused("This alert is about the service: there is no account.")
    now = timezone.now()
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status == Alert.Status.CLOSED:
            raise AlertDecisionRefused("This alert is already closed.")
        AlertDecision.objects.create(
            alert=alert,
            decided_by=reviewer,
            action=action,
            note=note,
            suspended_subject=suspend,
            decided_at=now,
        )
        if action == AlertDecision.Action.ESCALATE:
            alert.status, alert.for_auditors, alert.assignee = Alert.Status.ESCALATED, True, None
        else:
            alert.status, alert.outcome, alert.closed_at = Alert.Status.CLOSED, action, now
        alert.save(update_fields=["status", "for_auditors", "assignee", "outcome", "closed_at"])
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.ALERT_DECIDED,
            outcome=AccessEvent.Outcome.OK,
            reason=f"alert {alert.pk}: {action}: {note}"[:300],
        )
        if suspend:
            _suspend(alert=alert, actor=actor, now=now)
    if action == AlertDecision.Action.ESCALATE:
        _notify_reviewers(alert)
    return alert


def _suspend(*, alert: Alert, actor: Actor, now: datetime) -> None:
    subject = User.objects.select_for_update().get(pk=alert.subject_id)
    subject.is_active = False
    subject.suspended_at = now
    subject.save(update_fields=["is_active", "suspended_at"])
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.ACCOUNT_SUSPENDED,
        outcome=AccessEvent.Outcome.OK,
        reason=f"user {subject.pk} suspended pending investigation (alert {alert.pk})",
    )


def may_review(*, reviewer, alert: Alert) -> bool:
    """Auditors review every alert; a supervisor only those assigned to them; nobody their own.

    "Supervisor" is the relation, not the role: an alert is assigned to the subject's own
    supervisor, who may be a supervising practitioner (as with break-glass judgements).
    """
    if not reviewer.is_active or reviewer.pk == alert.subject_id:
        return False
    if reviewer.role == Role.AUDITOR:
        return True
    return alert.assignee_id is not None and alert.assignee_id == reviewer.pk
