"""Reads for the misuse-review pages: the alerts queue, one alert with its evidence, and the
auditors' dashboard.

Rule (audit): reviewing the log is itself a use of it, so each read here writes its own
audit event (``ALERT_QUEUE_VIEW``, ``ALERT_VIEW``, ``MISUSE_DASHBOARD``) in the same
transaction as the read; if that write fails, nothing is returned.

Rule (review, one access function per resource): an alert is reached only through
``alert_get_for_reviewer``, which answers ``AlertNotFound`` both for an id that does not
exist and for one the reviewer may not review (the subject themself, another supervisor), so
the answer never says whether an alert about someone exists.

The evidence is the subject's own log entries — times, actions, purposes, the criteria they
typed and the child's public id — never a child's record: reviewers of misuse are not
entitled to contact details, and nothing here reads the directory.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDay, TruncWeek
from django.utils import timezone

from access.models import Role, User
from access.purposes import purpose_label
from contactpoint.errors import NotFound

from ..models import AccessEvent, Alert, AlertDecision, LookupExplanation
from ..review.detectors import DETECTORS, DETECTORS_BY_NAME
from ..sealed_criteria import criteria_open
from ..writer import Actor, access_event_record
from .services import may_review

AUDITOR = "auditor"
SUPERVISOR = "supervisor"
QUEUE_PAGE_SIZE = 25
ACTIVE_STATUSES = (Alert.Status.OPEN, Alert.Status.ESCALATED)
# How far back the dashboard draws, per bucket size.
DASHBOARD_SPAN = {"week": 12, "day": 30}
# Criteria keys shown in the evidence, in this order (what the subject typed into search).
_CRITERIA_SHOWN = ("family_name", "given_name", "date_of_birth", "postcode")


class AlertNotFound(NotFound):
    """No such alert, or not one this reviewer may see: the same answer either way."""


def alert_reviewer_kind(user: User) -> str | None:
    """Which queue a user has: every alert (auditors), the alerts assigned to them (anyone
    who supervises a team, or holds the supervisor role), or none."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.role == Role.AUDITOR:
        return AUDITOR
    if user.role == Role.SUPERVISOR or user.leads_team:
        return SUPERVISOR
    return None


def detector_label(name: str) -> str:
    detector = DETECTORS_BY_NAME.get(name)
    return detector.label if detector else name.replace("_", " ").capitalize()


def _visible_to(user: User, kind: str) -> QuerySet[Alert]:
    alerts = Alert.objects.exclude(subject_id=user.pk)
    if kind == AUDITOR:
        return alerts
    return alerts.filter(assignee_id=user.pk)


def open_alert_count(*, user: User) -> int:
    """Alerts waiting for this user (the navigation badge): open ones assigned to a
    supervisor; open or escalated ones for an auditor."""
    kind = alert_reviewer_kind(user)
    if kind is None:
        return 0
    statuses = ACTIVE_STATUSES if kind == AUDITOR else (Alert.Status.OPEN,)
    return _visible_to(user, kind).filter(status__in=statuses).count()


# --- The queue ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    """Validated filters; an empty value means "any"."""

    statuses: tuple[str, ...]
    detector: str = ""
    severity: str = ""


@dataclass(frozen=True)
class QueueRow:
    alert_id: int
    raised_at: datetime
    subject_name: str
    subject_organisation: str
    detector_label: str
    severity: str
    severity_label: str
    summary: str
    status: str
    status_label: str
    outcome_label: str


def alert_queue_page(
    *, reviewer: User, filters: QueueFilters, page_number: int, actor: Actor
) -> Page:
    """One page of the reviewer's queue, newest first, and its audit event.

    Rule (review): a supervisor sees only the alerts assigned to them, an auditor all of
    them; nobody sees alerts about themselves.
    """
    kind = alert_reviewer_kind(reviewer)
    if kind is None:
        raise AlertNotFound
    alerts = _visible_to(reviewer, kind).filter(status__in=filters.statuses)
    if filters.detector:
        alerts = alerts.filter(detector=filters.detector)
    if filters.severity:
        alerts = alerts.filter(severity=filters.severity)
    alerts = alerts.select_related("subject__organisation").order_by("-raised_at", "-id")
    with transaction.atomic():
        page = Paginator(alerts, QUEUE_PAGE_SIZE).get_page(page_number)
        page.object_list = [_queue_row(alert) for alert in page.object_list]
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.ALERT_QUEUE_VIEW,
            outcome=AccessEvent.Outcome.OK,
            criteria={
                "status": ",".join(filters.statuses),
                "detector": filters.detector,
                "severity": filters.severity,
                "page": page.number,
            },
            reason=f"{len(page.object_list)} alert(s) listed",
        )
    return page


# Who an alert with no subject is about: the service itself (sealing or review stalled).
THE_SERVICE = "ContactPoint (the service)"


def _queue_row(alert: Alert) -> QueueRow:
    subject = alert.subject
    return QueueRow(
        alert_id=alert.pk,
        raised_at=alert.raised_at,
        subject_name=(subject.get_full_name() or subject.username) if subject else THE_SERVICE,
        subject_organisation=subject.organisation.name if subject and subject.organisation else "",
        detector_label=detector_label(alert.detector),
        severity=alert.severity,
        severity_label=alert.get_severity_display(),
        summary=alert.summary,
        status=alert.status,
        status_label=alert.get_status_display(),
        outcome_label=alert.get_outcome_display() if alert.outcome else "",
    )


# --- One alert ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceRow:
    """One logged event behind an alert, as the log holds it."""

    event_id: int
    occurred_at: datetime
    actor: str
    by_subject: bool
    action_label: str
    outcome_label: str
    purpose_label: str
    child_public_id: str
    results: int | None
    criteria: tuple[tuple[str, str], ...]
    reason: str
    # Why the subject may have looked, as the explanation stage found it in the directory on
    # the day (``LookupExplanation``): every relation that held, in words, and how strongly
    # they justify the lookup. ``None`` for an event that opened no child, or one not yet
    # explained.
    explanation: Explanation | None = None


@dataclass(frozen=True)
class Explanation:
    strength: int
    strength_label: str
    relations: tuple[str, ...]

    @property
    def unexplained(self) -> bool:
        """Nothing but residence (permission to look, not a reason) or nothing at all."""
        return self.strength <= LookupExplanation.Strength.WEAK


@dataclass(frozen=True)
class DecisionRow:
    decided_at: datetime
    decided_by: str
    action_label: str
    note: str
    suspended_subject: bool


@dataclass(frozen=True)
class AlertDetail:
    alert: Alert
    detector_label: str
    detector_description: str
    subject_name: str
    subject_username: str
    subject_role: str
    subject_organisation: str
    subject_supervisor: str
    subject_suspended: bool
    assigned_to: str
    evidence: list[EvidenceRow]
    evidence_not_shown: int
    decisions: list[DecisionRow]

    @property
    def decidable(self) -> bool:
        return self.alert.status != Alert.Status.CLOSED


def alert_get_for_reviewer(*, reviewer: User, alert_id: int) -> Alert:
    """The one access function for an alert; ``AlertNotFound`` unless ``may_review``."""
    alert = Alert.objects.select_related("subject", "assignee").filter(pk=alert_id).first()
    if alert is None or not may_review(reviewer=reviewer, alert=alert):
        raise AlertNotFound
    return alert


def alert_detail(*, reviewer: User, alert_id: int, actor: Actor) -> AlertDetail:
    """Everything a reviewer needs to judge one alert, and the audit event of opening it."""
    with transaction.atomic():
        alert = alert_get_for_reviewer(reviewer=reviewer, alert_id=alert_id)
        detail = _detail(alert)
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.ALERT_VIEW,
            outcome=AccessEvent.Outcome.SHOWN,
            reason=f"alert {alert.pk} about "
            + (f"user {alert.subject_id}" if alert.subject_id else "the service"),
        )
    return detail


def _detail(alert: Alert) -> AlertDetail:
    if alert.subject_id is None:
        return _service_detail(alert)
    subject = User.objects.select_related("organisation", "supervisor").get(pk=alert.subject_id)
    detector = DETECTORS_BY_NAME.get(alert.detector)
    evidence = _evidence(alert, subject)
    return AlertDetail(
        alert=alert,
        detector_label=detector_label(alert.detector),
        detector_description=detector.explanation if detector else "",
        subject_name=subject.get_full_name() or subject.username,
        subject_username=subject.username,
        subject_role=subject.job_title or subject.get_role_display(),
        subject_organisation=subject.organisation.name if subject.organisation else "",
        subject_supervisor=(
            (subject.supervisor.get_full_name() or subject.supervisor.username)
            if subject.supervisor
            else ""
        ),
        subject_suspended=subject.suspended_at is not None or not subject.is_active,
        assigned_to=(
            (alert.assignee.get_full_name() or alert.assignee.username)
            if alert.assignee
            else "Auditors"
        ),
        evidence=evidence,
        evidence_not_shown=max(alert.evidence_count - len(evidence), 0),
        decisions=_decisions(alert),
    )


def _service_detail(alert: Alert) -> AlertDetail:
    """An alert about the service: no person, no evidence events; the summary says what
    stopped and since when (``audit.alerts.services.service_stall_alert_raise``)."""
    return AlertDetail(
        alert=alert,
        detector_label=detector_label(alert.detector),
        detector_description="",
        subject_name=THE_SERVICE,
        subject_username="",
        subject_role="",
        subject_organisation="",
        subject_supervisor="",
        subject_suspended=False,
        assigned_to="Auditors",
        evidence=[],
        evidence_not_shown=0,
        decisions=_decisions(alert),
    )


def _decisions(alert: Alert) -> list[DecisionRow]:
    return [
        DecisionRow(
            decided_at=decision.decided_at,
            decided_by=decision.decided_by.get_full_name() or decision.decided_by.username,
            action_label=decision.get_action_display(),
            note=decision.note,
            suspended_subject=decision.suspended_subject,
        )
        for decision in AlertDecision.objects.filter(alert=alert).select_related("decided_by")
    ]


def _explanations(event_ids) -> dict[int, Explanation]:
    """What the explanation stage recorded for these events (audit-side rows: no child's
    record is read here)."""
    labels = dict(LookupExplanation.Relation.choices)
    strengths = dict(LookupExplanation.Strength.choices)
    return {
        event_id: Explanation(
            strength=strength,
            strength_label=strengths.get(strength, str(strength)),
            relations=tuple(labels.get(relation, relation) for relation in relations),
        )
        for event_id, relations, strength in LookupExplanation.objects.filter(
            event_id__in=event_ids
        ).values_list("event_id", "relations", "strength")
    }


def _criteria_shown(event: AccessEvent) -> tuple[tuple[str, str], ...]:
    """What the subject typed, as labelled pairs; a sealed postcode opened for the reviewer."""
    criteria = criteria_open(event.criteria, salt=event.personal_salt)
    return tuple(
        (key.replace("_", " ").capitalize(), str(criteria[key]))
        for key in _CRITERIA_SHOWN
        if criteria.get(key)
    )


def _evidence(alert: Alert, subject: User) -> list[EvidenceRow]:
    """The alert's evidence events in time order, each lookup with its explanation. Served
    by the primary key of each monthly partition (and of the explanations); the detectors
    cap evidence at a hundred ids, so these are two small reads."""
    events = AccessEvent.objects.filter(pk__in=alert.evidence_event_ids).order_by(
        "occurred_at", "id"
    )
    explained = _explanations(alert.evidence_event_ids)
    return [
        EvidenceRow(
            event_id=event.pk,
            occurred_at=event.occurred_at,
            actor=event.actor_username,
            by_subject=event.actor_id == subject.pk,
            action_label=event.get_action_display(),
            outcome_label=event.get_outcome_display(),
            purpose_label=purpose_label(event.purpose) if event.purpose else "",
            child_public_id=event.child_public_id,
            results=len(event.result_ids) if event.action == AccessEvent.Action.SEARCH else None,
            criteria=_criteria_shown(event),
            reason=event.reason,
            explanation=explained.get(event.pk),
        )
        for event in events
    ]


# --- The auditors' dashboard -------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    counts: tuple[int, ...]


@dataclass(frozen=True)
class Timeline:
    buckets: tuple[date, ...]
    series: tuple[Series, ...]

    @property
    def totals(self) -> tuple[int, ...]:
        return tuple(sum(column) for column in zip(*(s.counts for s in self.series), strict=True))

    @property
    def rows(self) -> list[dict]:
        """The same numbers bucket by bucket, for the table that stands in for the chart."""
        return [
            {
                "bucket": bucket,
                "counts": [series.counts[column] for series in self.series],
                "total": total,
            }
            for column, (bucket, total) in enumerate(zip(self.buckets, self.totals, strict=True))
        ]


@dataclass(frozen=True)
class DetectorPrecision:
    label: str
    raised: int
    closed: int
    confirmed: int

    @property
    def precision(self) -> float | None:
        """Share of closed alerts whose outcome confirmed a problem (misuse or training)."""
        return self.confirmed / self.closed if self.closed else None


@dataclass(frozen=True)
class Dashboard:
    bucket: str
    since: date
    by_detector: Timeline
    by_outcome: Timeline
    precision: list[DetectorPrecision]


OUTCOME_SERIES = (
    ("open", "Open"),
    ("escalated", "Escalated"),
    (Alert.Outcome.LEGITIMATE, "Legitimate"),
    (Alert.Outcome.NEEDS_TRAINING, "Needs training"),
    (Alert.Outcome.MISUSE, "Misuse"),
)


def misuse_dashboard(*, reviewer: User, bucket: str, actor: Actor) -> Dashboard:
    """Alerts per week (or day) by detector and by where they stand now, and each detector's
    precision from the outcomes recorded so far. Auditors only: it spans every team.

    Alerts are counted by when the behaviour happened (the start of the window reviewed),
    not when review caught up with it: a backlog reviewed in one night would otherwise look
    like a day of misuse."""
    if alert_reviewer_kind(reviewer) != AUDITOR or bucket not in DASHBOARD_SPAN:
        raise AlertNotFound
    buckets = _buckets(bucket, timezone.localdate())
    truncate = TruncWeek if bucket == "week" else TruncDay
    with transaction.atomic():
        rows = list(
            Alert.objects.filter(window_start__date__gte=buckets[0])
            .annotate(bucket=truncate("window_start"))
            .values("bucket", "detector", "status", "outcome")
            .annotate(n=Count("id"))
        )
        precision = _precision()
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.MISUSE_DASHBOARD,
            outcome=AccessEvent.Outcome.OK,
            criteria={"bucket": bucket},
        )
    by_detector: Counter = Counter()
    by_outcome: Counter = Counter()
    for row in rows:
        day = timezone.localtime(row["bucket"]).date() if row["bucket"] else buckets[0]
        by_detector[(day, row["detector"])] += row["n"]
        by_outcome[(day, row["outcome"] or row["status"])] += row["n"]
    detectors = [(d.name, d.label) for d in DETECTORS]
    detectors += sorted({(name, detector_label(name)) for _, name in by_detector} - set(detectors))
    return Dashboard(
        bucket=bucket,
        since=buckets[0],
        by_detector=_timeline(buckets, detectors, by_detector),
        by_outcome=_timeline(buckets, OUTCOME_SERIES, by_outcome),
        precision=precision,
    )


def _buckets(bucket: str, today: date) -> tuple[date, ...]:
    span = DASHBOARD_SPAN[bucket]
    if bucket == "week":
        monday = today - timedelta(days=today.weekday())
        return tuple(monday - timedelta(weeks=n) for n in reversed(range(span)))
    return tuple(today - timedelta(days=n) for n in reversed(range(span)))


def _timeline(buckets, names, counts: Counter) -> Timeline:
    return Timeline(
        buckets=buckets,
        series=tuple(
            Series(key=key, label=label, counts=tuple(counts[(day, key)] for day in buckets))
            for key, label in names
        ),
    )


def _precision() -> list[DetectorPrecision]:
    confirmed = (Alert.Outcome.MISUSE, Alert.Outcome.NEEDS_TRAINING)
    rows = {
        row["detector"]: row
        for row in Alert.objects.values("detector").annotate(
            raised=Count("id"),
            closed=Count("id", filter=Q(status=Alert.Status.CLOSED)),
            confirmed=Count("id", filter=Q(status=Alert.Status.CLOSED, outcome__in=confirmed)),
        )
    }
    names = [d.name for d in DETECTORS] + sorted(set(rows) - set(DETECTORS_BY_NAME))
    return [
        DetectorPrecision(
            label=detector_label(name),
            raised=rows.get(name, {}).get("raised", 0),
            closed=rows.get(name, {}).get("closed", 0),
            confirmed=rows.get(name, {}).get("confirmed", 0),
        )
        for name in names
    ]
