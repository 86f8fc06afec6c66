"""Merging two records of one child, and undoing it.

Rules:
- (separation) Only a data manager who manages both records' authorities (the same test as
  for shields, ``manages_shielding``), vetting current, may compare, merge or unmerge; for
  anyone else the records and merges do not exist.
- (identity) A merge keeps one record and retires the other (status ``merged``: found by no
  search, opened by no one); the retired record's involvements, carers and feed links move
  to the kept one, and its names become the kept record's former names, so every
  practitioner of either is reachable from one record. ``ChildMerge.moved`` remembers what
  moved, and an unmerge moves exactly that back.
- (shielding) If either record is shielded, the merged record is. An unmerge never lifts a
  shield: while merged, the kept record may have received the shielded child's details (a
  feed, a carer), so lifting it goes through the usual two-person request.
- (audit) Comparing two records is an audited view of both; a merge and an unmerge are
  events of their own, naming both records; the who-viewed report of a kept record includes
  the history of the records merged into it (``merged_public_ids``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from access.models import User
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record
from contactpoint.errors import NotFound, Refused
from directory.models import Carer, Child, ChildMerge, FeedLink, Involvement

from .feed_reviews import candidate_details
from .shielding import authority_managed_by


class MergeNotFound(NotFound):
    """No such record or merge for this user: the view answers 404."""


class MergeRefused(Refused):
    """The merge cannot be made; ``reasons`` say why, in words for the data manager."""


@dataclass(frozen=True)
class MergeSide:
    """One of the two records, as the comparison page shows it."""

    public_id: str
    name: str
    shielded: bool
    details: list[tuple[str, str]]
    services: list[str]
    carers: list[str]


def merge_compare(*, user: User, first: str, second: str, actor: Actor) -> list[MergeSide]:
    """The two records side by side, for a data manager of both authorities."""
    with transaction.atomic():
        children = _two_children(user=user, first=first, second=second)
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.CHILD_MERGE_VIEW,
            outcome=AccessEvent.Outcome.SHOWN,
            result_ids=[c.public_id for c in children],
        )
    return [_side(child) for child in children]


def child_merge(*, user: User, kept: str, merged: str, reason: str, actor: Actor) -> ChildMerge:
    """Retire ``merged`` into ``kept`` (see the module's rules)."""
    if not reason.strip():
        raise MergeRefused(["Say why these are the same child"])
    now = timezone.now()
    with transaction.atomic():
        keep, retire = _two_children(user=user, first=kept, second=merged, lock=True)
        moved = {
            "involvements": list(
                Involvement.objects.filter(child=retire).values_list("pk", flat=True)
            ),
            "carers": list(Carer.objects.filter(child=retire).values_list("pk", flat=True)),
            "feed_links": list(FeedLink.objects.filter(child=retire).values_list("pk", flat=True)),
            "former_names_added": [
                name
                for name in [retire.family_name, *retire.former_names]
                if name.lower() != keep.family_name.lower() and name not in keep.former_names
            ],
            "shield_from_merge": retire.shielded and not keep.shielded,
        }
        Involvement.objects.filter(pk__in=moved["involvements"]).update(child=keep)
        Carer.objects.filter(pk__in=moved["carers"]).update(child=keep)
        FeedLink.objects.filter(pk__in=moved["feed_links"]).update(child=keep)
        keep.former_names = [*keep.former_names, *dict.fromkeys(moved["former_names_added"])]
        keep.shielded = keep.shielded or retire.shielded
        keep.save(update_fields=["former_names", "shielded", "updated_at"])
        retire.status = Child.Status.MERGED
        retire.save(update_fields=["status", "updated_at"])
        merge = ChildMerge.objects.create(
            kept=keep, merged=retire, reason=reason, merged_by=user, merged_at=now, moved=moved
        )
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.CHILD_MERGED,
            outcome=AccessEvent.Outcome.OK,
            child_public_id=keep.public_id,
            result_ids=[retire.public_id],
            criteria={"merge": merge.pk},
            reason=reason,
        )
    return merge


def child_unmerge(*, user: User, merge_id: int, reason: str, actor: Actor) -> ChildMerge:
    """Put back what a merge moved, and bring the retired record back."""
    if not reason.strip():
        raise MergeRefused(["Say why the merge was wrong"])
    with transaction.atomic():
        merge = _merge_for(user=user, merge_id=merge_id, lock=True)
        keep, retire, moved = merge.kept, merge.merged, merge.moved
        Involvement.objects.filter(pk__in=moved["involvements"], child=keep).update(child=retire)
        Carer.objects.filter(pk__in=moved["carers"], child=keep).update(child=retire)
        FeedLink.objects.filter(pk__in=moved["feed_links"], child=keep).update(child=retire)
        added = set(moved["former_names_added"])
        keep.former_names = [name for name in keep.former_names if name not in added]
        keep.save(update_fields=["former_names", "updated_at"])
        retire.status = Child.Status.ACTIVE
        retire.save(update_fields=["status", "updated_at"])
        merge.undone_by, merge.undone_at, merge.undo_reason = user, timezone.now(), reason
        merge.save(update_fields=["undone_by", "undone_at", "undo_reason"])
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.CHILD_UNMERGED,
            outcome=AccessEvent.Outcome.OK,
            child_public_id=keep.public_id,
            result_ids=[retire.public_id],
            criteria={"merge": merge.pk},
            reason=reason,
        )
    return merge


def merges_of_authority(*, user: User, today: date | None = None) -> list[ChildMerge]:
    """The merges a data manager may see: both records in their authority."""
    authority = _managed_authority(user, today)
    return list(
        ChildMerge.objects.filter(
            kept__local_authority_id=authority, merged__local_authority_id=authority
        )
        .select_related("kept", "merged", "merged_by", "undone_by")
        .order_by("-merged_at")[:200]
    )


def merged_public_ids(public_id: str) -> list[str]:
    """The records merged (and not unmerged) into ``public_id``: their history is its."""
    return list(
        ChildMerge.objects.filter(kept__public_id=public_id, undone_at=None).values_list(
            "merged__public_id", flat=True
        )
    )


def merges_allowed(user: User) -> bool:
    """Whether ``user`` may merge records at all (the pages answer 404 otherwise)."""
    try:
        _managed_authority(user, None)
    except MergeNotFound:
        return False
    return True


def _managed_authority(user: User, today: date | None) -> str:
    authority = authority_managed_by(user, today=today or timezone.localdate())
    if authority is None:
        raise MergeNotFound()
    return authority


def _two_children(*, user: User, first: str, second: str, lock: bool = False) -> list[Child]:
    authority = _managed_authority(user, None)
    children = Child.objects.filter(
        public_id__in=[first[:32], second[:32]],
        status=Child.Status.ACTIVE,
        local_authority_id=authority,
    ).select_related("local_authority")
    if lock:
        children = children.select_for_update(of=("self",))
    found = {child.public_id: child for child in children}
    if first == second or len(found) != 2:
        raise MergeNotFound()
    return [found[first], found[second]]


def _merge_for(*, user: User, merge_id: int, lock: bool) -> ChildMerge:
    authority = _managed_authority(user, None)
    merges = ChildMerge.objects.filter(
        pk=merge_id,
        undone_at=None,
        kept__local_authority_id=authority,
        merged__local_authority_id=authority,
        merged__status=Child.Status.MERGED,
    ).select_related("kept", "merged")
    if lock:
        merges = merges.select_for_update(of=("self",))
    merge = merges.first()
    if merge is None:
        raise MergeNotFound()
    return merge


def _side(child: Child) -> MergeSide:
    details, services, carers = candidate_details(child, full=True)
    return MergeSide(
        public_id=child.public_id,
        name=f"{child.given_name} {child.family_name}",
        shielded=child.shielded,
        details=details,
        services=services,
        carers=carers,
    )
