"""Reads of the lookup log."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from .models import LOOKUP_LIST_ACTIONS, AccessEvent, Alert, ReviewRun, TreeHead

# Outcomes in which nothing about a child was shown.
NOTHING_SHOWN = (
    AccessEvent.Outcome.NOT_FOUND,
    AccessEvent.Outcome.REFUSED,
    AccessEvent.Outcome.FAILED,
)


def access_event_list_for_actor(*, actor_id: int, limit: int = 50) -> QuerySet[AccessEvent]:
    """A user's own most recent lookups, newest first (rule: every user can see what they
    looked up, so that misuse in their name is noticed)."""
    return AccessEvent.objects.filter(actor_id=actor_id, action__in=LOOKUP_LIST_ACTIONS).order_by(
        "-occurred_at", "-id"
    )[:limit]


def access_event_list_for_team(*, member_ids: list[int], limit: int = 200) -> QuerySet[AccessEvent]:
    """The most recent lookups by a supervisor's team, newest first (rule: supervisors review
    their team's use of the directory). Served by the (actor_id, occurred_at) index."""
    team = AccessEvent.objects.filter(actor_id__in=member_ids, action__in=LOOKUP_LIST_ACTIONS)
    return team.order_by("-occurred_at", "-id")[:limit]


@dataclass(frozen=True)
class LookupSummary:
    """What one person did with the directory since a day: counts, never what or whom."""

    searches: int = 0
    record_views: int = 0
    refused: int = 0
    break_glass: int = 0
    directory_searches: int = 0
    last_lookup: datetime | None = None
    open_alerts: int = 0


_SUMMARY_ACTIONS = {
    "searches": AccessEvent.Action.SEARCH,
    "record_views": AccessEvent.Action.VIEW,
    "refused": AccessEvent.Action.REFUSED,
    "break_glass": AccessEvent.Action.BREAK_GLASS,
    "directory_searches": AccessEvent.Action.DIRECTORY_SEARCH,
}


def lookup_summaries(
    *, actor_ids: list[int], since: datetime, reviewer_id: int
) -> dict[int, LookupSummary]:
    """Each person's lookups since ``since`` and the open alerts about them assigned to
    ``reviewer_id``, for whoever answers for their access (a supervisor recertifying a team).

    Rule (review): only the alerts the reviewer reviews anyway are counted; one kept with the
    auditors (high severity, or about a supervisor) is not hinted at. Two grouped queries for
    the whole team, served by the (actor_id, occurred_at) index; everyone asked for is in the
    answer, with zeros when they did nothing."""
    counts = {
        name: Count("id", filter=Q(action=action)) for name, action in _SUMMARY_ACTIONS.items()
    }
    lookups = Q(action__in=(AccessEvent.Action.SEARCH, AccessEvent.Action.VIEW))
    rows = (
        AccessEvent.objects.filter(
            actor_id__in=actor_ids, occurred_at__gte=since, action__in=_SUMMARY_ACTIONS.values()
        )
        .values("actor_id")
        .annotate(**counts, last_lookup=Max("occurred_at", filter=lookups))
    )
    alerts = dict(
        Alert.objects.filter(
            subject_id__in=actor_ids, assignee_id=reviewer_id, status=Alert.Status.OPEN
        )
        .values("subject_id")
        .annotate(n=Count("id"))
        .values_list("subject_id", "n")
    )
    summaries = {
        actor_id: LookupSummary(open_alerts=alerts.get(actor_id, 0)) for actor_id in actor_ids
    }
    for row in rows:
        actor_id = row.pop("actor_id")
        summaries[actor_id] = LookupSummary(**row, open_alerts=alerts.get(actor_id, 0))
    return summaries


def access_events_about_child(
    *, public_ids: list[str], limit: int, leave_out_organisations: QuerySet | None = None
) -> list[AccessEvent]:
    """Every event in which something about the child was shown to someone: events naming the
    child (record views, grants, reviews) and searches whose results included them, oldest
    first, except those by ``leave_out_organisations`` (a query of organisation ids).
    ``public_ids``: the child's id and those of records merged into it. Served by the
    (child_public_id, occurred_at) and result_ids indexes."""
    events = AccessEvent.objects.filter(
        Q(child_public_id__in=public_ids) | Q(result_ids__overlap=public_ids)
    ).exclude(outcome__in=NOTHING_SHOWN)
    if leave_out_organisations is not None:
        events = events.exclude(organisation_id__in=leave_out_organisations)
    return list(events.order_by("occurred_at", "id")[:limit])


def access_event_ids_naming_children(*, public_ids: list[str]) -> list[int]:
    """Ids of every event that names one of these children, by id or among its results, in
    id order, whatever its outcome: what retention must forget when the children's records
    are destroyed (rule: the log keeps no child's personal data past the record's own
    retention). Served by the (child_public_id, occurred_at) and result_ids indexes."""
    events = AccessEvent.objects.filter(
        Q(child_public_id__in=public_ids) | Q(result_ids__overlap=public_ids)
    )
    return list(events.order_by("id").values_list("id", flat=True))


def access_event_ids_searching_for(
    *, children: list[tuple[str, str, str]], destroyed_ids: list[str]
) -> list[int]:
    """Ids of the searches that typed one of these children's family name and date of birth
    (``children``: public id, family name, ISO date) and showed no child still held — what
    ``access_event_ids_naming_children`` cannot reach: a search that found nobody (out of
    scope, refused, or after the record was archived) names the child only in its criteria.

    Rule (retention): such criteria are that child's personal data, so they go with the
    record; a search that also showed another child, still held, keeps them (its criteria are
    part of that child's audit trail too). Exact date and family name (trimmed, any case):
    looser matches would forget other children's searches. Only events that can still be
    forgotten are read (leaf version 2 with its salt), through the date-of-birth index on
    criteria (migration 0022)."""
    if not children:
        return []
    wanted = {(family.strip().lower(), dob) for _public_id, family, dob in children}
    destroyed = set(destroyed_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, criteria->>'family_name', criteria->>'date_of_birth', result_ids "
            "FROM audit_accessevent "
            "WHERE (criteria->>'date_of_birth') = ANY(%s) AND personal_salt IS NOT NULL "
            "ORDER BY id",
            [sorted({dob for _family, dob in wanted})],
        )
        rows = cursor.fetchall()
    return [
        event_id
        for event_id, family, dob, results in rows
        if family is not None
        and (family.strip().lower(), dob) in wanted
        and set(results or []) <= destroyed
    ]


@dataclass(frozen=True)
class SealLag:
    """How far sealing is behind: the first event not yet in a signed head, and its age."""

    oldest_unsealed_id: int | None
    oldest_unsealed_at: datetime | None
    seconds: float
    limit_seconds: int

    @property
    def stalled(self) -> bool:
        return self.seconds > self.limit_seconds

    def __str__(self) -> str:
        if self.oldest_unsealed_id is None:
            return "every event is sealed"
        return (
            f"the oldest unsealed event (id {self.oldest_unsealed_id}, written "
            f"{self.oldest_unsealed_at:%Y-%m-%d %H:%M:%S %Z}) is {self.seconds:.0f} s old; "
            f"the limit is {self.limit_seconds} s (AUDIT_SEAL_MAX_LAG_SECONDS)"
        )


def seal_lag_get(*, now: datetime | None = None) -> SealLag:
    """Rule (tamper evidence): an event is protected only once sealed, and an edit made while
    sealing is stalled is sealed as if genuine, so a stall must be seen, whoever causes it (a
    stopped worker, a session holding an event id open, a superuser). Two index reads: the
    newest head, and the first event after it."""
    limit = settings.AUDIT_SEAL_MAX_LAG_SECONDS
    head = TreeHead.objects.only("sealed_through_id").newest_first().first()
    through = head.sealed_through_id if head else 0
    first = (
        AccessEvent.objects.filter(id__gt=through)
        .order_by("id")
        .values_list("id", "occurred_at")
        .first()
    )
    if first is None:
        return SealLag(None, None, 0.0, limit)
    event_id, occurred_at = first
    age = ((now or timezone.now()) - occurred_at).total_seconds()
    return SealLag(event_id, occurred_at, max(age, 0.0), limit)


def misuse_review_lag_get(*, now: datetime) -> float | None:
    """Seconds between ``now`` and the end of the newest window misuse review has finished,
    for the hourly detector furthest behind; None before review has ever run.

    Rule (review): a stalled review raises no alert however the log reads, so its lag is
    watched (``contactpoint.health``). Hourly detectors are the measure: their windows close
    every hour, so a review keeping up is never much more than an hour and its interval
    behind. One grouped read of ``ReviewRun`` by its (detector, window_start) key."""
    from .review.detectors import DETECTORS
    from .review.windows import HOUR

    hourly = [detector.name for detector in DETECTORS if detector.window == HOUR]
    newest = (
        ReviewRun.objects.filter(detector__in=hourly)
        .values("detector")
        .annotate(end=Max("window_end"))
        .values_list("end", flat=True)
    )
    ends = list(newest)
    if not ends:
        return None
    return max((now - min(ends)).total_seconds(), 0.0)
