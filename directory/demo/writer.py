"""Write a built demo world to the database, in bulk and in one transaction.

One transaction means a failed load leaves nothing behind, so ``--if-empty`` can trust an
empty directory to mean "never loaded". The small tables go in with ``bulk_create``; the
three big ones with ``COPY`` (see ``pgcopy`` for the measurements). Neither sends model
signals, so loading adds nothing to the admin change history: it is not an admin change.

Two things are left to the database on purpose: the generated name keys of ``Child`` and
the ``cloaked`` flag of ``Involvement``, which the trigger sets from the organisation's
sensitive-service flag exactly as it does for feeds.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.models import Role, User
from access.services import org_admin_grant
from directory.models import (
    Carer,
    Child,
    Involvement,
    LocalAuthority,
    Organisation,
    Practitioner,
)
from directory.sealing.backfill import CARER as CARER_SEALED
from directory.sealing.backfill import CHILD as CHILD_SEALED
from directory.sealing.backfill import bulk_sealer

from .blueprint import World
from .credentials import Secret
from .pgcopy import array_literal, ids_reserve, rows_copy, tables_analyse
from .vetting import demo_vetting_write

DEVICE_NAME = "Authenticator app"

_CHILD_FIELDS = (
    "id", "public_id", "given_name", "family_name", "preferred_name", "former_names",
    "date_of_birth", "gender", "local_authority", "status", "shielded", "created_at",
    "updated_at", *(f"{name}_sealed" for name in CHILD_SEALED), "sealed_with", "postcode_index",
    "outward_index",
)  # fmt: skip
_CARER_FIELDS = (
    "id", "child", "given_name", "family_name", "relationship", "parental_responsibility",
    *(f"{name}_sealed" for name in CARER_SEALED), "sealed_with",
)  # fmt: skip
_INVOLVEMENT_FIELDS = (
    "child", "organisation", "practitioner", "role", "started_on", "ended_on",
)  # fmt: skip


def world_write(*, world: World, issued: dict[str, Secret]) -> dict[str, int]:
    """Insert ``world``; returns how many rows of each kind were written."""
    with transaction.atomic():
        LocalAuthority.objects.bulk_create(
            [LocalAuthority(code=row.code, name=row.name) for row in world.authorities]
        )
        organisations = _organisations(world)
        practitioners = _practitioners(world, organisations)
        child_ids = _children(world)
        _carers(world, child_ids)
        rows_copy(
            Involvement,
            _INVOLVEMENT_FIELDS,
            _involvements(world, child_ids, organisations, practitioners),
            nullable=("practitioner", "ended_on"),
        )
        tables_analyse(Child, Carer, Involvement)
        users = _users(world, organisations, practitioners, issued)
        demo_vetting_write(users=users)
    return {
        "local authorities": len(world.authorities),
        "organisations": len(organisations),
        "practitioners": len(practitioners),
        "children": len(child_ids),
        "carers": len(world.carers),
        "involvements": len(world.involvements),
        "users": len(users),
    }


def _organisations(world: World) -> dict[str, Organisation]:
    organisations = {
        row.code: Organisation(
            code=row.code,
            name=row.name,
            kind=row.kind,
            local_authority_id=row.local_authority,
            accredited=row.accredited,
            sensitive_service=row.sensitive_service,
            phone=row.phone,
            email=row.email,
            address=row.address,
            postcode=row.postcode,
        )
        for row in world.organisations
    }
    Organisation.objects.bulk_create(organisations.values())
    return organisations


def _practitioners(world: World, organisations) -> dict[str, Practitioner]:
    practitioners = {
        row.key: Practitioner(
            organisation_id=organisations[row.organisation].pk,
            name=row.name,
            job_title=row.job_title,
            phone=row.phone,
            email=row.email,
        )
        for row in world.practitioners
    }
    Practitioner.objects.bulk_create(practitioners.values())
    return practitioners


def _children(world: World) -> list[int]:
    """Children, copied with ids drawn beforehand and their address sealed (bound to the
    public id); returns the id of each, by position."""
    ids = ids_reserve(Child, len(world.children))
    now = timezone.now().isoformat()
    sealer = bulk_sealer("directory_child", CHILD_SEALED, index=True)
    rows = (
        (
            child_id, *row[:4], array_literal(row.former_names), row.date_of_birth, row.gender,
            row.local_authority, row.status, row.shielded, now, now,
            *sealer(row.public_id, [getattr(row, name) for name in CHILD_SEALED]),
        )
        for child_id, row in zip(ids, world.children, strict=True)
    )  # fmt: skip
    rows_copy(Child, _CHILD_FIELDS, rows, nullable=("postcode_index", "outward_index"))
    return ids


def _carers(world: World, child_ids: list[int]) -> None:
    """Carers, with ids drawn beforehand: their contacts are sealed bound to their own row."""
    ids = ids_reserve(Carer, len(world.carers))
    sealer = bulk_sealer("directory_carer", CARER_SEALED, index=False)
    rows_copy(
        Carer,
        _CARER_FIELDS,
        (
            (carer_id, child_ids[row.child], *row[1:5],
             *sealer(carer_id, [getattr(row, name) for name in CARER_SEALED]))
            for carer_id, row in zip(ids, world.carers, strict=True)
        ),
    )  # fmt: skip


def _involvements(world: World, child_ids, organisations, practitioners):
    for row in world.involvements:
        practitioner = practitioners[row.practitioner].pk if row.practitioner else None
        yield (
            child_ids[row.child],
            organisations[row.organisation].pk,
            practitioner,
            row.role,
            row.started_on,
            row.ended_on,
        )


def _users(world, organisations, practitioners, issued: dict[str, Secret]) -> dict[str, User]:
    """Users with their password hashes (computed in the background meanwhile), supervisors,
    practitioner records and one confirmed authenticator each."""
    users = {}
    for persona in world.personas:
        organisation = organisations[persona.organisation] if persona.organisation else None
        users[persona.username] = User(
            username=persona.username,
            password=issued[persona.username].password_hash.result(),
            first_name=persona.given_name,
            last_name=persona.family_name,
            email=persona.email,
            organisation=organisation,
            role=persona.role,
            job_title=persona.job_title,
            phone=persona.phone,
            is_staff=persona.is_staff,
            dbs_certificate_number=persona.dbs_certificate_number,
            dbs_checked_on=persona.dbs_checked_on,
            training_completed_on=persona.training_completed_on,
            agreement_signed_on=persona.agreement_signed_on,
        )
    User.objects.bulk_create(users.values())
    for persona in world.personas:
        if persona.supervisor:
            users[persona.username].supervisor = users[persona.supervisor]
    User.objects.bulk_update(users.values(), ["supervisor"])
    _link_practitioners(world, users, practitioners)
    TOTPDevice.objects.bulk_create(
        TOTPDevice(user=user, name=DEVICE_NAME, key=issued[name].totp_hex, confirmed=True)
        for name, user in users.items()
    )
    for user in users.values():
        if user.role == Role.ORG_ADMIN:
            org_admin_grant(user=user, organisation=user.organisation)
    return users


def _link_practitioners(world, users, practitioners) -> None:
    linked = []
    for persona in world.personas:
        if persona.practitioner:
            practitioner = practitioners[persona.practitioner]
            practitioner.user = users[persona.username]
            linked.append(practitioner)
    Practitioner.objects.bulk_update(linked, ["user"])
