"""The child's record: who the child is, who cares for them and who works with them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache

from django.db import connections, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from access.models import AccessRequest, User
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record
from contactpoint import prepared_sql
from contactpoint.choice_labels import choice_label
from contactpoint.fixed_sql import columns, instance, width
from directory.models import (
    Carer,
    Child,
    FeedBatch,
    Involvement,
    LocalAuthority,
    Organisation,
    Practitioner,
)
from directory.retention import destroy_on

from .errors import ChildNotFound
from .gate import ensure_may_read
from .replica import child_read
from .scope import child_scope_sql, visible_involvements_sql
from .shielding import ShieldStatus, manages_shielding, shield_status_for, view_action
from .upkeep import in_standing_scope, may_record_involvement, roles_for

_C = '"directory_child"'


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
        with child_read() as using:
            child = _child_in_scope(
                user=user, public_id=public_id, now=now, today=today, using=using
            )
            shield = shield_status_for(user=user, child=child) if child else None
            record = None
            if child is not None:
                # Whether the child is in the standing scope decides both the upkeep forms
                # and whether the access is through a grant alone: asked once.
                standing = in_standing_scope(user=user, child_id=child.pk, today=today, using=using)
                record = _record(
                    child, user=user, organisation=organisation, today=today, shield=shield,
                    standing=standing, using=using,
                )  # fmt: skip
                if not standing:
                    grant = _grant_ending(user, child, now=now, using=using)
                    record = replace(record, grant=grant)
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


def _grant_ending(user: User, child: Child, *, now: datetime, using: str) -> GrantEnding | None:
    """When the viewer's access to ``child`` ends: asked only when the child is outside
    their standing scope, so that access is through a grant alone (the record page says so
    in a banner, issue 17 point 3). One indexed read, with a fixed statement."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT expires_at, kind FROM access_accessrequest WHERE requester_id = %s "
            "AND child_id = %s AND status = %s AND expires_at > %s "
            "ORDER BY expires_at DESC LIMIT 1",
            [user.pk, child.pk, AccessRequest.Status.GRANTED.value, now],
        )
        grant = cursor.fetchone()
    if grant is None:
        return None
    return GrantEnding(expires_at=grant[0], emergency=grant[1] == AccessRequest.Kind.EMERGENCY)


def record_status_sql(user: User) -> tuple[str, list]:
    """Rule (retention): active records for everyone in scope; archived ones for the data
    managers of the child's own authority only (they answer for the record until it is
    destroyed); merged ones for nobody. SQL on the unaliased ``directory_child`` row."""
    organisation = user.organisation
    if organisation is not None and manages_shielding(
        user=user, local_authority_id=organisation.local_authority_id
    ):
        sql = f"({_C}.status = %s OR ({_C}.status = %s AND {_C}.local_authority_id = %s))"
        params = [Child.Status.ACTIVE.value, Child.Status.ARCHIVED.value]
        return sql, [*params, organisation.local_authority_id]
    return f"{_C}.status = %s", [Child.Status.ACTIVE.value]


def record_status_q(user: User) -> Q:
    """``record_status_sql`` for a query on ``Child`` itself."""
    sql, params = record_status_sql(user)
    return Q(RawSQL(sql, params, output_field=BooleanField()))  # noqa: S611 - parameters


@cache
def _child_statement() -> str:
    return (
        f"SELECT {columns(Child, _C)}, {columns(LocalAuthority, 'la')} "  # noqa: S608
        f"FROM directory_child JOIN directory_localauthority la "
        f"ON la.code = {_C}.local_authority_id "
        f"WHERE {_C}.public_id = %s AND {{status}} AND {{scope}} LIMIT 1"
    )


def _child_in_scope(
    *, user: User, public_id: str, now: datetime, today: date, using: str
) -> Child | None:
    """The child ``public_id`` with its local authority, if in ``user``'s scope (and of a
    status they may open), else None: one fixed statement, with scope and status as their
    rules' own SQL (``child_scope_sql``, ``record_status_sql``)."""
    scope, scope_params = child_scope_sql(user=user, now=now, today=today)
    status, status_params = record_status_sql(user)
    rows = prepared_sql.fetchall(
        _child_statement().format(status=status, scope=scope),
        [public_id, *status_params, *scope_params],
        using=using,
    )
    if not rows:
        return None
    row = rows[0]
    child = instance(Child, row[: width(Child)], using)
    authority = instance(LocalAuthority, row[width(Child) :], using)
    Child._meta.get_field("local_authority").set_cached_value(child, authority)
    return child


@cache
def _carers_statement() -> str:
    return (
        f"SELECT {columns(Carer, 'c')} FROM directory_carer c WHERE c.child_id = %s "  # noqa: S608
        "ORDER BY c.parental_responsibility DESC, c.family_name, c.given_name"
    )


@cache
def _services_statement() -> str:
    selected = ", ".join(
        (columns(Involvement, "i"), columns(Organisation, "o"), columns(Practitioner, "p"))
    )
    return (
        f"SELECT {selected} FROM directory_involvement i "  # noqa: S608
        "JOIN directory_organisation o ON o.id = i.organisation_id "
        "LEFT JOIN directory_practitioner p ON p.id = i.practitioner_id "
        "WHERE i.child_id = %s AND {visible} ORDER BY i.role, o.name"
    )


def _carers_and_services(child: Child, *, organisation, today: date, using: str):
    """The child's carers, and the involvements ``organisation`` may see with their
    organisation and practitioner attached: two fixed statements."""
    visible, visible_params = visible_involvements_sql(
        organisation=organisation, today=today, table="i"
    )
    carers = [
        instance(Carer, row, using)
        for row in prepared_sql.fetchall(_carers_statement(), [child.pk], using=using)
    ]
    rows = prepared_sql.fetchall(
        _services_statement().format(visible=visible), [child.pk, *visible_params], using=using
    )
    n_inv, n_org = width(Involvement), width(Organisation)
    involvements = []
    for row in rows:
        involvement = instance(Involvement, row[:n_inv], using)
        org = instance(Organisation, row[n_inv : n_inv + n_org], using)
        practitioner = None
        if row[n_inv + n_org] is not None:
            practitioner = instance(Practitioner, row[n_inv + n_org :], using)
        Involvement._meta.get_field("organisation").set_cached_value(involvement, org)
        Involvement._meta.get_field("practitioner").set_cached_value(involvement, practitioner)
        involvements.append(involvement)
    return carers, involvements


def _record(
    child: Child,
    *,
    user: User,
    organisation,
    today: date,
    shield: ShieldStatus | None = None,
    standing: bool | None = None,
    using: str = "default",
) -> ChildRecord:
    shield = shield or ShieldStatus()
    identity = dict(
        public_id=child.public_id,
        given_name=child.given_name,
        family_name=child.family_name,
        preferred_name=child.preferred_name,
        date_of_birth=child.date_of_birth,
        gender=choice_label(child, "gender"),
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
    carers, involvements = _carers_and_services(
        child, organisation=organisation, today=today, using=using
    )
    feeds = _feeds_named(child, carers, involvements)
    return ChildRecord(
        **identity,
        roles_to_record=roles_to_record(user=user, child=child, today=today, standing=standing),
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


def roles_to_record(
    *, user: User, child: Child, today: date, standing: bool | None = None
) -> list[tuple[str, str]]:
    """The roles the viewer may record with an active child (none: no forms)."""
    if child.status != Child.Status.ACTIVE:
        return []
    if not may_record_involvement(user=user, child_id=child.pk, today=today, standing=standing):
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
        organisation_kind=choice_label(org, "kind"),
        role=choice_label(involvement, "role"),
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
