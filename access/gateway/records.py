"""The child's record: who the child is, who cares for them and who works with them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from access.models import AccessRequest, User
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record
from directory.models import Carer, Child, FeedBatch, Involvement
from directory.retention import destroy_on

from .errors import ChildNotFound
from .gate import ensure_may_read
from .replica import child_read
from .scope import child_scope_q, standing_scope_q, visible_involvements_q
from .shielding import ShieldStatus, manages_shielding, shield_status_for, view_action
from .upkeep import may_record_involvement, roles_for


@dataclass(frozen=True)
class CarerContact:
    name: str
    relationship: str
    parental_responsibility: bool
    phone: str
    email: str
    address: str
    source: str = ""


@dataclass(frozen=True)
class ServiceContact:
    """An organisation working with the child and, where named, its practitioner."""

    organisation: str
    organisation_kind: str
    role: str
    practitioner: str
    job_title: str
    phone: str
    email: str
    organisation_phone: str
    organisation_email: str
    started_on: date
    own_organisation: bool
    source: str = ""


@dataclass(frozen=True)
class GrantEnding:
    """The live grant a record is open through (break-glass or an approved request)."""

    expires_at: datetime
    emergency: bool


@dataclass(frozen=True)
class ChildRecord:
    """What the record page shows. For a shielded child only the identity fields are filled
    and contact goes through ``local_authority`` (the authority's management team), unless
    ``shield.revealed_by`` says why this viewer sees the full record."""

    public_id: str
    given_name: str
    family_name: str
    preferred_name: str
    date_of_birth: date
    gender: str
    shielded: bool
    local_authority: str
    other_names: str = ""
    former_names: list[str] = field(default_factory=list)
    address: list[str] = field(default_factory=list)
    # Where a detail came from (Rule, provenance): "address", "names" -> "School census,
    # 13 January 2027"; absent when entered by hand.
    sources: dict[str, str] = field(default_factory=dict)
    carers: list[CarerContact] = field(default_factory=list)
    services: list[ServiceContact] = field(default_factory=list)
    shield: ShieldStatus = ShieldStatus()
    # Retention: set for an archived record (seen by its authority's data managers only).
    archived_on: date | None = None
    destroy_on: date | None = None
    legal_hold: bool = False
    legal_hold_reason: str = ""
    manages: bool = False
    # Upkeep: the roles the viewer's organisation may record with this child (empty: the
    # forms are not offered; access/gateway/upkeep.py decides).
    roles_to_record: list[tuple[str, str]] = field(default_factory=list)
    # Set when the viewer sees the record only through a live grant: when that access ends.
    grant: GrantEnding | None = None

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def identity_only(self) -> bool:
        return self.shielded and not self.shield.revealed_by


def child_get_for_user(
    *, user: User, public_id: str, purpose: str, actor: Actor, today: date | None = None
) -> ChildRecord:
    """Return the record of the child ``public_id`` if ``user`` may see it.

    Rule (scope): out of scope and non-existent raise the same ``ChildNotFound`` after the
    same query and the same audit insert, so neither the answer nor its timing tells them
    apart. Rule (audit before data): the view event is committed before the record is
    returned, in the transaction of the read (or, reading a replica, right after it).
    Rule (cloaking): nothing else is written here — cloaked services are told afterwards,
    from this view's event (``cloaked_enquiries``), so their existence costs no time.
    """
    now = timezone.now()
    today = today or timezone.localdate(now)
    ensure_may_read(
        user=user,
        actor=actor,
        today=today,
        purpose=purpose,
        criteria={"public_id": public_id},
    )
    organisation = user.organisation
    with transaction.atomic():
        # Read first (on a caught-up replica when one is configured), then the view event on
        # the primary, committed before the record is returned. Not the event first: it says
        # what was shown (found or not; a shielded record revealed or not), which only the
        # read knows, and an event for a read that then failed would record a view that never
        # happened. Either order keeps the rule: nothing leaves before the event commits.
        with child_read():
            child = (
                Child.objects.filter(
                    child_scope_q(user=user, now=now, today=today),
                    record_status_q(user),
                    public_id=public_id,
                )
                .select_related("local_authority")
                .first()
            )
            shield = shield_status_for(user=user, child=child) if child else None
            record = (
                _record(child, user=user, organisation=organisation, today=today, shield=shield)
                if child
                else None
            )
            if record is not None:
                record = replace(record, grant=_grant_ending(user, child, now=now, today=today))
        access_event_record(
            actor=actor,
            action=view_action(shield),
            outcome=AccessEvent.Outcome.SHOWN if record else AccessEvent.Outcome.NOT_FOUND,
            purpose=purpose,
            child_public_id=public_id,
        )
    if record is None:
        raise ChildNotFound(public_id)
    return record


def _grant_ending(user: User, child: Child, *, now: datetime, today: date) -> GrantEnding | None:
    """When the viewer's access to ``child`` ends, if it is through a grant alone (the record
    page says so in a banner, issue 17 point 3); None when the child is in their standing
    scope too, whose access does not end. One indexed read, a second only under a grant."""
    grant = (
        AccessRequest.objects.filter(
            requester=user, child=child, status=AccessRequest.Status.GRANTED, expires_at__gt=now
        )
        .order_by("-expires_at")
        .only("expires_at", "kind")
        .first()
    )
    if grant is None:
        return None
    if Child.objects.filter(standing_scope_q(user=user, today=today), pk=child.pk).exists():
        return None
    return GrantEnding(
        expires_at=grant.expires_at, emergency=grant.kind == AccessRequest.Kind.EMERGENCY
    )


def record_status_q(user: User) -> Q:
    """Rule (retention): active records for everyone in scope; archived ones for the data
    managers of the child's own authority only (they answer for the record until it is
    destroyed); merged ones for nobody."""
    active = Q(status=Child.Status.ACTIVE)
    organisation = user.organisation
    if organisation is not None and manages_shielding(
        user=user, local_authority_id=organisation.local_authority_id
    ):
        return active | Q(
            status=Child.Status.ARCHIVED, local_authority_id=organisation.local_authority_id
        )
    return active


def _record(
    child: Child, *, user: User, organisation, today: date, shield: ShieldStatus | None = None
) -> ChildRecord:
    shield = shield or ShieldStatus()
    identity = dict(
        public_id=child.public_id,
        given_name=child.given_name,
        family_name=child.family_name,
        preferred_name=child.preferred_name,
        date_of_birth=child.date_of_birth,
        gender=child.get_gender_display(),
        shielded=child.shielded,
        local_authority=child.local_authority.name,
        shield=shield,
        archived_on=child.archived_on,
        destroy_on=destroy_on(child.archived_on) if child.archived_on else None,
        legal_hold=child.legal_hold,
        legal_hold_reason=child.legal_hold_reason,
        manages=shield.manages,
    )
    if child.shielded and not shield.revealed_by:
        # Rule (shielding): only name, gender, date of birth and ID; no address, carers or
        # services, since any of them could locate the child.
        return ChildRecord(**identity)
    carers = list(
        Carer.objects.filter(child=child).order_by(
            "-parental_responsibility", "family_name", "given_name"
        )
    )
    involvements = list(
        Involvement.objects.filter(
            visible_involvements_q(organisation=organisation, today=today), child=child
        )
        .select_related("organisation", "practitioner")
        .order_by("role", "organisation__name")
    )
    feeds = _feeds_named(child, carers, involvements)
    return ChildRecord(
        **identity,
        roles_to_record=roles_to_record(user=user, child=child, today=today),
        other_names=child.other_names,
        former_names=list(child.former_names),
        address=[
            line
            for line in (child.address_line_1, child.address_line_2, child.town, child.postcode)
            if line
        ],
        sources={
            shown: feeds[child.provenance[field]]
            for shown, field in (("address", "postcode"), ("names", "family_name"))
            if child.provenance.get(field) in feeds
        },
        carers=[_carer(carer, feeds) for carer in carers],
        services=[_service(i, organisation=organisation, feeds=feeds) for i in involvements],
    )


def roles_to_record(*, user: User, child: Child, today: date) -> list[tuple[str, str]]:
    """The roles the viewer may record with an active child (none: no forms)."""
    if child.status != Child.Status.ACTIVE:
        return []
    if not may_record_involvement(user=user, child_id=child.pk, today=today):
        return []
    return roles_for(user)


def _feeds_named(child: Child, carers, involvements) -> dict[int, str]:
    """The feed batches that set any detail shown, as the record names them (no query at
    all for a record nobody's feed has touched)."""
    ids = set(child.provenance.values())
    ids |= {c.feed_batch_id for c in carers} | {i.feed_batch_id for i in involvements}
    ids.discard(None)
    if not ids:
        return {}
    return {
        batch.pk: f"{batch.get_source_display()}, {timezone.localdate(batch.imported_at):%-d %B %Y}"
        for batch in FeedBatch.objects.filter(pk__in=ids)
    }


def _carer(carer: Carer, feeds: dict[int, str]) -> CarerContact:
    return CarerContact(
        name=f"{carer.given_name} {carer.family_name}",
        relationship=carer.relationship,
        parental_responsibility=carer.parental_responsibility,
        phone=carer.phone,
        email=carer.email,
        address=carer.address,
        source=feeds.get(carer.feed_batch_id, ""),
    )


def _service(involvement: Involvement, *, organisation, feeds: dict[int, str]) -> ServiceContact:
    practitioner = involvement.practitioner
    org = involvement.organisation
    return ServiceContact(
        organisation=org.name,
        organisation_kind=org.get_kind_display(),
        role=involvement.get_role_display(),
        practitioner=practitioner.name if practitioner else "",
        job_title=practitioner.job_title if practitioner else "",
        phone=practitioner.phone if practitioner else "",
        email=practitioner.email if practitioner else "",
        organisation_phone=org.phone,
        organisation_email=org.email,
        started_on=involvement.started_on,
        own_organisation=org.pk == organisation.pk,
        source=feeds.get(involvement.feed_batch_id, ""),
    )
