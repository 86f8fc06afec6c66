"""Records leave on time: archived at 18 (25 with consent), destroyed six years later.

Rules (retention):
- A child's record is archived on the day they turn 18, or 25 where consent to keep it
  longer is recorded (``Child.retention_consent``). An archived record is found by no
  search and opened only by the data managers of the child's authority (``records.py``).
- Six years after archiving it is destroyed, unless a legal hold stops the clock: the child,
  carers, involvements, feed links and the records merged into it are deleted; requests and
  shield changes that named the child stay (who asked, who decided, when) without pointing
  at anyone, their free text about the child removed; held feed records and notifications
  about the child go.
- A record found archived with no date (archived before dates were kept) starts its six
  years on the day retention first sees it.
- Idempotent and by date: ``apply_retention --today`` runs it as of any day, so a check can
  move the clock; beat runs it nightly for today.

Not yet (issue 13): the sealed audit log still holds the search criteria of events naming
the child; making the log forget them without breaking its seal is a change of its leaf
format (docs/audit.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction

from access.models import AccessRequest, Notification, ShieldChange
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record
from directory.models import Child, ChildMerge, FeedReview

ADULT_AT = 18
ADULT_WITH_CONSENT_AT = 25
DESTROY_AFTER_YEARS = 6
DESTROY_CHUNK = 2000
REDACTED = "(removed with the child's record at the end of its retention)"
RETENTION_ACTOR = Actor(
    user_id=None,
    username="apply_retention",
    role="system",
    organisation_id=None,
    ip_address=None,
    user_agent="retention",
)


@dataclass(frozen=True)
class RetentionResult:
    dated: int
    archived: int
    destroyed: int


def retention_apply(*, today: date) -> RetentionResult:
    """Archive and destroy as of ``today``; one audit event says how many."""
    with transaction.atomic():
        dated = _archived_undated_date(today)
        archived = _archive(today)
        destroyed = sum(_destroy(ids) for ids in _expired_chunks(today))
        access_event_record(
            actor=RETENTION_ACTOR,
            action=AccessEvent.Action.RETENTION_APPLIED,
            outcome=AccessEvent.Outcome.OK,
            criteria={
                "today": today.isoformat(),
                "dated": dated,
                "archived": archived,
                "destroyed": destroyed,
            },
        )
    return RetentionResult(dated=dated, archived=archived, destroyed=destroyed)


def destroy_on(archived_on: date) -> date:
    """The day a record archived on ``archived_on`` is destroyed (no legal hold)."""
    return _years_after(archived_on, DESTROY_AFTER_YEARS)


def _archived_undated_date(today: date) -> int:
    return Child.objects.filter(status=Child.Status.ARCHIVED, archived_on=None).update(
        archived_on=today
    )


def _archive(today: date) -> int:
    """Active children who have reached their age, through the date-of-birth index."""
    adult = _years_after(today, -ADULT_AT)
    adult_with_consent = _years_after(today, -ADULT_WITH_CONSENT_AT)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE directory_child SET status = 'archived', archived_on = %s, updated_at = now()
            WHERE status = 'active' AND date_of_birth <= %s
              AND (NOT retention_consent OR date_of_birth <= %s)
            """,
            [today, adult, adult_with_consent],
        )
        return cursor.rowcount


def _expired_chunks(today: date):
    """Ids of archived records past their six years and not held, a chunk at a time, with
    the records merged into them."""
    last_archived = _years_after(today, -DESTROY_AFTER_YEARS)
    ids = list(
        Child.objects.filter(
            status=Child.Status.ARCHIVED, archived_on__lte=last_archived, legal_hold=False
        ).values_list("pk", flat=True)
    )
    for start in range(0, len(ids), DESTROY_CHUNK):
        chunk = ids[start : start + DESTROY_CHUNK]
        merged = ChildMerge.objects.filter(kept_id__in=chunk, undone_at=None).values_list(
            "merged_id", flat=True
        )
        yield [*chunk, *merged]


def _destroy(child_ids: list[int]) -> int:
    public_ids = list(Child.objects.filter(pk__in=child_ids).values_list("public_id", flat=True))
    AccessRequest.objects.filter(child_id__in=child_ids).update(child=None, criteria={})
    ShieldChange.objects.filter(child_id__in=child_ids).update(child=None, reason=REDACTED)
    FeedReview.objects.filter(child_id__in=child_ids).delete()
    ChildMerge.objects.filter(kept_id__in=child_ids).delete()
    ChildMerge.objects.filter(merged_id__in=child_ids).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {Notification._meta.db_table} WHERE link LIKE ANY(%s)",  # noqa: S608
            [[f"%{public_id}%" for public_id in public_ids]],
        )
    deleted, _ = Child.objects.filter(pk__in=child_ids).delete()
    return len(public_ids) if deleted else 0


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)
