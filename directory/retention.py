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

- The sealed audit log forgets too: the criteria and free text of every event naming a
  destroyed record (by id, or among a search's results) are emptied through
  ``audit_forget_children``, and every signed head still verifies. Events written before
  leaf version 2 seal their criteria themselves and keep them (docs/audit.md, *Forgetting*).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.urls import reverse

from access.models import AccessRequest, ContactRequest, Notification, ShieldChange
from audit.forgetting import ForgetResult, audit_forget_children
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record
from directory.dates import years_after
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
    events_forgotten: int = 0
    events_kept_version_1: int = 0


def retention_apply(*, today: date) -> RetentionResult:
    """Archive and destroy as of ``today``; one audit event says how many."""
    with transaction.atomic():
        dated = _archived_undated_date(today)
        archived = _archive(today)
        destroyed, forgot = 0, ForgetResult(0, 0)
        for ids in _expired_chunks(today):
            count, forgotten = _destroy(ids)
            destroyed, forgot = destroyed + count, forgot + forgotten
        access_event_record(
            actor=RETENTION_ACTOR,
            action=AccessEvent.Action.RETENTION_APPLIED,
            outcome=AccessEvent.Outcome.OK,
            criteria={
                "today": today.isoformat(),
                "dated": dated,
                "archived": archived,
                "destroyed": destroyed,
                "events_forgotten": forgot.forgotten,
            },
        )
    return RetentionResult(
        dated=dated,
        archived=archived,
        destroyed=destroyed,
        events_forgotten=forgot.forgotten,
        events_kept_version_1=forgot.kept_version_1,
    )


def destroy_on(archived_on: date) -> date:
    """The day a record archived on ``archived_on`` is destroyed (no legal hold)."""
    return years_after(archived_on, DESTROY_AFTER_YEARS)


def _archived_undated_date(today: date) -> int:
    return Child.objects.filter(status=Child.Status.ARCHIVED, archived_on=None).update(
        archived_on=today
    )


def _archive(today: date) -> int:
    """Active children who have reached their age, through the date-of-birth index."""
    adult = years_after(today, -ADULT_AT)
    adult_with_consent = years_after(today, -ADULT_WITH_CONSENT_AT)
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
    last_archived = years_after(today, -DESTROY_AFTER_YEARS)
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


def _destroy(child_ids: list[int]) -> tuple[int, ForgetResult]:
    rows = Child.objects.filter(pk__in=child_ids).values_list(
        "public_id", "family_name", "date_of_birth"
    )
    public_ids = [public_id for public_id, _family, _dob in rows]
    identities = [(public_id, family, dob.isoformat()) for public_id, family, dob in rows]
    forgotten = audit_forget_children(public_ids=public_ids, identities=identities)
    # The criteria are sealed (issue 15): no sealed value reads as none ({}).
    AccessRequest.objects.filter(child_id__in=child_ids).update(child=None, criteria_sealed=None)
    ShieldChange.objects.filter(child_id__in=child_ids).update(child=None, reason=REDACTED)
    contact_links = [
        reverse("contact_requests:item", args=[pk])
        for pk in ContactRequest.objects.filter(child_id__in=child_ids).values_list("pk", flat=True)
    ]
    Notification.objects.filter(link__in=contact_links).delete()
    ContactRequest.objects.filter(child_id__in=child_ids).update(
        child=None, message=REDACTED, reply=REDACTED
    )
    FeedReview.objects.filter(child_id__in=child_ids).delete()
    keys = _family_keys_of(child_ids)
    ChildMerge.objects.filter(kept_id__in=child_ids).delete()
    ChildMerge.objects.filter(merged_id__in=child_ids).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {Notification._meta.db_table} WHERE link LIKE ANY(%s)",  # noqa: S608
            [[f"%{public_id}%" for public_id in public_ids]],
        )
    with connection.cursor() as cursor:
        # Held feed records that offered one of these children may be that child.
        cursor.execute(
            "DELETE FROM directory_feedreview WHERE EXISTS (SELECT 1 FROM "
            "jsonb_array_elements(candidates) AS c WHERE c->>'child' = ANY(%s))",
            [public_ids],
        )
    deleted, _ = Child.objects.filter(pk__in=child_ids).delete()
    _family_keys_forget(keys)
    return (len(public_ids) if deleted else 0), forgotten


def _family_keys_of(child_ids: list[int]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT k FROM directory_child c, "
            "unnest(array[c.family_key] || c.former_family_keys) AS k WHERE c.id = ANY(%s)",
            [child_ids],
        )
        return [key for (key,) in cursor.fetchall()]


def _family_keys_forget(keys: list[str]) -> None:
    """Surnames nobody carries any more leave the matcher's dictionary: it holds names, not
    who has them, but a destroyed child's rare surname would otherwise outlive them."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            DELETE FROM directory_familynamekey k WHERE k.key = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM directory_child c WHERE c.family_key = k.key)
              AND NOT EXISTS (SELECT 1 FROM directory_child c
                              WHERE c.former_family_keys @> array[k.key]
                                AND NOT c.former_family_keys = '{}')
            """,
            [keys],
        )
