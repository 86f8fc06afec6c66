"""The review queue of incoming feed records the matcher could not place alone.

Rules:
- (separation) A held record is decided by a data manager of the local authority it was
  held for (the shielding authority, when it could be a shielded child): the same test as
  who manages shields (``manages_shielding``), vetting current. Anyone else is told it
  does not exist.
- (scope) A candidate child is shown in full only to the data managers of the authority the
  child lives in; a candidate living elsewhere shows what the matcher compared (names, date
  of birth, sex) and the authority's name, nothing of where the child lives.
- (audit before data) Opening the queue or a record is an audit event naming the candidate
  children shown, written in the read's transaction; a decision is an event of its own.
- A record is linked only to a child the matcher offered for it: a decision cannot aim a
  feed at an arbitrary child.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from access.models import User
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record
from contactpoint.errors import NotFound
from directory.feeds.service import review_settle
from directory.models import Child, FeedReview, Involvement, Organisation

from .shielding import authority_managed_by, manages_shielding

OPEN = (FeedReview.Status.OPEN, FeedReview.Status.NOT_SURE)
SEX_SHOWN = {"female": "Female", "f": "Female", "male": "Male", "m": "Male", "other": "Other"}
QUEUE_LIMIT = 200


class FeedReviewNotFound(NotFound):
    """No such held record for this user: the view answers 404."""


@dataclass(frozen=True)
class Incoming:
    """The held record as the feed sent it: identity once, and each row's service."""

    review: FeedReview
    name: str
    born: str
    details: list[tuple[str, str]]
    services: list[str]


@dataclass(frozen=True)
class CandidateView:
    """One child the matcher offered: what agreed and what differs, and the details the
    reviewer may see (label, value), decided here rather than in a template."""

    public_id: str
    weight: float
    agreed: list[str]
    differs: list[str]
    details: list[tuple[str, str]]
    full: bool
    shielded: bool
    services: list[str]
    carers: list[str]


def feed_review_queue(*, user: User, actor: Actor, today: date | None = None) -> list[Incoming]:
    """The held records of the user's authority, oldest first; FeedReviewNotFound for
    anyone who does not manage the authority's records."""
    local_authority = _managed_authority(user, today)
    with transaction.atomic():
        reviews = list(
            FeedReview.objects.filter(local_authority_id=local_authority, status__in=OPEN)
            .select_related("batch")
            .order_by("pk")[:QUEUE_LIMIT]
        )
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.FEED_REVIEW_VIEW,
            outcome=AccessEvent.Outcome.SHOWN,
            criteria={"queue": local_authority, "held": len(reviews)},
        )
    return [_incoming(review) for review in reviews]


def feed_review_item(
    *, user: User, review_id: int, actor: Actor, today: date | None = None
) -> tuple[Incoming, list[CandidateView]]:
    """One held record beside the children offered for it (see the module's scope rule)."""
    with transaction.atomic():
        review = _review_for(user=user, review_id=review_id, today=today)
        candidates = _candidates(review, user)
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.FEED_REVIEW_VIEW,
            outcome=AccessEvent.Outcome.SHOWN,
            criteria={"review": review.pk},
            result_ids=[c.public_id for c in candidates],
        )
    return _incoming(review), candidates


def feed_review_decide(
    *,
    user: User,
    review_id: int,
    decision: str,
    actor: Actor,
    child_public_id: str = "",
    today: date | None = None,
) -> FeedReview:
    """``link`` (to ``child_public_id``, one of the children offered), ``new`` or
    ``not_sure`` (kept in the queue for a second opinion)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        review = _review_for(user=user, review_id=review_id, today=today, lock=True)
        offered = {c["child"] for c in review.candidates}
        if decision == "link" and child_public_id not in offered:
            raise FeedReviewNotFound(review_id)
        if decision == "not_sure":
            review.status = FeedReview.Status.NOT_SURE
            review.save(update_fields=["status"])
        elif decision in ("link", "new"):
            child = Child.objects.get(public_id=child_public_id) if decision == "link" else None
            child = review_settle(review=review, child=child, decided_by=user, today=today)
            child_public_id = child.public_id
        else:
            raise ValueError(f"Unknown decision {decision!r}")
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.FEED_REVIEW_DECIDED,
            outcome=AccessEvent.Outcome.OK,
            criteria={"review": review.pk, "decision": decision},
            child_public_id=child_public_id if decision != "not_sure" else "",
        )
    return review


def _managed_authority(user: User, today: date | None) -> str:
    authority = authority_managed_by(user, today=today or timezone.localdate())
    if authority is None:
        raise FeedReviewNotFound(None)
    return authority


def _review_for(*, user: User, review_id: int, today: date | None, lock=False) -> FeedReview:
    local_authority = _managed_authority(user, today)
    reviews = FeedReview.objects.filter(
        pk=review_id, local_authority_id=local_authority, status__in=OPEN
    ).select_related("batch")
    if lock:
        reviews = reviews.select_for_update(of=("self",))
    review = reviews.first()
    if review is None:
        raise FeedReviewNotFound(review_id)
    return review


def _incoming(review: FeedReview) -> Incoming:
    rows = review.record["rows"]
    first = rows[0]
    address = ("address_line_1", "address_line_2", "town", "postcode")
    carer = ", ".join(
        first[k] for k in ("carer_1_name", "carer_1_relationship", "carer_1_phone") if first[k]
    )
    born = date.fromisoformat(first["date_of_birth"]).strftime("%-d %B %Y")
    details = [
        ("Given name", first["given_name"]),
        ("Other names", first["other_names"]),
        ("Family name", first["family_name"]),
        ("Former family name", first["former_family_name"]),
        ("Date of birth", born),
        ("Sex", SEX_SHOWN.get(first["sex"].lower(), "Not known")),
        ("Address", ", ".join(first[k] for k in address if first[k])),
        ("Carer", carer),
    ]
    names = dict(
        Organisation.objects.filter(code__in=[r["organisation_code"] for r in rows]).values_list(
            "code", "name"
        )
    )
    services = [
        f"{names.get(r['organisation_code'], r['organisation_code'])} "
        f"({_role_label(r['service_role'])})"
        + (f", {r['practitioner_name']}" if r["practitioner_name"] else "")
        for r in rows
    ]
    name = f"{first['given_name']} {first['family_name']}"
    return Incoming(review=review, name=name, born=born, details=details, services=services)


def _role_label(role: str) -> str:
    return Involvement.Role(role).label if role in Involvement.Role.values else role


def _candidates(review: FeedReview, user: User) -> list[CandidateView]:
    ids = [c["child"] for c in review.candidates]
    children = {
        child.public_id: child
        for child in Child.objects.filter(public_id__in=ids).select_related("local_authority")
    }
    views = []
    for offered in review.candidates:
        child = children.get(offered["child"])
        if child is None:
            continue
        full = manages_shielding(user=user, local_authority_id=child.local_authority_id)
        details, services, carers = candidate_details(child, full=full)
        views.append(
            CandidateView(
                public_id=child.public_id,
                weight=offered["weight"],
                agreed=offered["agreed"],
                differs=offered["differs"],
                details=details,
                full=full,
                shielded=child.shielded,
                services=services,
                carers=carers,
            )
        )
    return views


def candidate_details(child: Child, *, full: bool) -> tuple[list, list[str], list[str]]:
    """What a data manager comparing records sees of ``child``: its details (label, value),
    and, when ``full``, who works with it and its carers."""
    if not full:
        return _details(child, full=False), [], []
    carers = [_carer_line(c) for c in child.carers.all()]
    return _details(child, full=True), _services(child), carers


def _details(child: Child, *, full: bool) -> list[tuple[str, str]]:
    shown = [
        ("Given name", child.given_name),
        ("Other names", child.other_names),
        ("Family name", child.family_name),
        ("Former family names", ", ".join(child.former_names)),
        ("Date of birth", child.date_of_birth.strftime("%-d %B %Y")),
        ("Sex", child.get_gender_display()),
        ("Lives in", child.local_authority.name),
    ]
    if full:
        address = [child.address_line_1, child.address_line_2, child.town, child.postcode]
        shown.append(("Address", ", ".join(part for part in address if part)))
    return shown


def _services(child: Child) -> list[str]:
    involvements = child.involvements.select_related("organisation").order_by("-started_on")
    return [
        f"{i.organisation.name} ({i.get_role_display()}), from {i.started_on:%-d %b %Y}"
        + (f" to {i.ended_on:%-d %b %Y}" if i.ended_on else "")
        for i in involvements
    ]


def _carer_line(carer) -> str:
    contact = ", ".join(part for part in (carer.phone, carer.email) if part)
    return f"{carer.given_name} {carer.family_name} ({carer.relationship})" + (
        f": {contact}" if contact else ""
    )
