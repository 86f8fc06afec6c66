"""Corrections: anyone who can see a record reports an inaccuracy; the data managers of the
child's authority decide.

Rules:
- (scope) A report is made on a record the reporter can see (the same scope and status
  rules as the record page); otherwise the child "does not exist".
- (separation) Only a data manager of the child's authority (``manages_shielding``), vetting
  current, sees the queue and decides; for anyone else a correction does not exist.
- (audit) Reporting, opening and deciding are audit events naming the child; the decision
  records who asked and who decided, and which details changed.
- A detail a data manager corrects was entered by hand: its feed provenance is dropped.
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
from directory.models import Carer, Child, Correction, Involvement
from directory.normalise import normalise_postcode

from .errors import ChildNotFound
from .records import record_status_q
from .scope import active_involvement_q, child_scope_q
from .shielding import authority_managed_by

ADDRESS = ("address_line_1", "address_line_2", "town", "postcode")


class CorrectionNotFound(NotFound):
    """No such open correction for this user: the view answers 404."""


class CorrectionRefused(Refused):
    """The change cannot be made; ``reasons`` say why."""


@dataclass(frozen=True)
class CorrectionView:
    """An open correction with the details a data manager may change."""

    correction: Correction
    child: Child
    carers: list[Carer]
    involvements: list[Involvement]


def correction_report(
    *, user: User, public_id: str, detail: str, note: str, actor: Actor
) -> Correction:
    """Report that a detail of a record the user can see is wrong."""
    if detail not in Correction.Detail.values or not note.strip():
        raise CorrectionRefused(["Say which detail is wrong and what is right, if you know"])
    now = timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        child = Child.objects.filter(
            child_scope_q(user=user, now=now, today=today),
            record_status_q(user),
            public_id=public_id[:32],
        ).first()
        if child is None:
            raise ChildNotFound(public_id)
        correction = Correction.objects.create(
            child=child,
            local_authority_id=child.local_authority_id,
            detail=detail,
            note=note,
            reported_by=user,
        )
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.CORRECTION_REPORTED,
            outcome=AccessEvent.Outcome.OK,
            child_public_id=child.public_id,
            criteria={"correction": correction.pk, "detail": detail},
        )
    return correction


def corrections_open(*, user: User, actor: Actor) -> list[Correction]:
    """The open corrections of the user's authority, oldest first."""
    authority = _managed_authority(user)
    with transaction.atomic():
        corrections = list(
            Correction.objects.filter(local_authority_id=authority, status=Correction.Status.OPEN)
            .select_related("child", "reported_by", "reported_by__organisation")
            .order_by("reported_at", "pk")[:200]
        )
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.CORRECTION_VIEW,
            outcome=AccessEvent.Outcome.SHOWN,
            result_ids=[c.child.public_id for c in corrections],
            criteria={"queue": authority},
        )
    return corrections


def correction_item(*, user: User, correction_id: int, actor: Actor) -> CorrectionView:
    with transaction.atomic():
        correction = _open_correction(user=user, correction_id=correction_id)
        view = _view(correction)
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.CORRECTION_VIEW,
            outcome=AccessEvent.Outcome.SHOWN,
            child_public_id=correction.child.public_id,
            criteria={"correction": correction.pk},
        )
    return view


def correction_decide(
    *,
    user: User,
    correction_id: int,
    corrected: bool,
    note: str,
    actor: Actor,
    address: dict[str, str] | None = None,
    carers: dict[int, dict[str, str]] | None = None,
    end_involvements: list[int] | None = None,
    today: date | None = None,
) -> Correction:
    """Close a correction: ``corrected`` with the changed details, or not changed, with a
    note either way."""
    if not note.strip():
        raise CorrectionRefused(["Say what you found"])
    today = today or timezone.localdate()
    with transaction.atomic():
        correction = _open_correction(user=user, correction_id=correction_id, lock=True)
        changed = (
            _apply(correction.child, address or {}, carers or {}, end_involvements or [], today)
            if corrected
            else []
        )
        correction.status = (
            Correction.Status.CORRECTED if corrected else Correction.Status.UNCHANGED
        )
        correction.decided_by, correction.decided_at = user, timezone.now()
        correction.decision_note = note
        correction.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.CORRECTION_DECIDED,
            outcome=AccessEvent.Outcome.OK,
            child_public_id=correction.child.public_id,
            criteria={
                "correction": correction.pk,
                "reported_by": correction.reported_by.get_username(),
                "outcome": correction.status,
                "changed": changed,
            },
        )
    return correction


def _apply(child: Child, address, carers, end_involvements, today: date) -> list[str]:
    changed: list[str] = []
    if address:
        if address.get("postcode"):
            try:
                address["postcode"] = normalise_postcode(address["postcode"])
            except ValueError as error:
                raise CorrectionRefused([str(error)]) from error
        for field in ADDRESS:
            value = address.get(field, "").strip()
            if getattr(child, field) != value:
                setattr(child, field, value)
                changed.append(field)
                child.provenance.pop(field, None)
        if changed:
            child.save(update_fields=[*ADDRESS, "provenance", "updated_at"])
    for carer in Carer.objects.filter(child=child, pk__in=list(carers)):
        wanted = carers[carer.pk]
        fields = [k for k in ("phone", "email") if getattr(carer, k) != wanted.get(k, "")]
        for field in fields:
            setattr(carer, field, wanted.get(field, ""))
        if fields:
            carer.feed_batch = None
            carer.save(update_fields=[*fields, "feed_batch"])
            changed += [f"carer {carer.pk} {field}" for field in fields]
    ended = Involvement.objects.filter(
        active_involvement_q(today=today), child=child, pk__in=end_involvements
    ).update(ended_on=today)
    if ended:
        changed.append(f"{ended} involvement(s) ended")
    return changed


def _managed_authority(user: User) -> str:
    authority = authority_managed_by(user, today=timezone.localdate())
    if authority is None:
        raise CorrectionNotFound()
    return authority


def _open_correction(*, user: User, correction_id: int, lock: bool = False) -> Correction:
    authority = _managed_authority(user)
    corrections = Correction.objects.filter(
        pk=correction_id, local_authority_id=authority, status=Correction.Status.OPEN
    ).select_related("child", "reported_by", "reported_by__organisation")
    if lock:
        corrections = corrections.select_for_update(of=("self",))
    correction = corrections.first()
    if correction is None:
        raise CorrectionNotFound()
    return correction


def _view(correction: Correction) -> CorrectionView:
    child = correction.child
    today = timezone.localdate()
    return CorrectionView(
        correction=correction,
        child=child,
        carers=list(Carer.objects.filter(child=child).order_by("pk")),
        involvements=list(
            Involvement.objects.filter(active_involvement_q(today=today), child=child)
            .select_related("organisation", "practitioner")
            .order_by("role")
        ),
    )
