"""The demo users: stable usernames, one for every kind of person the rules treat differently.

Documentation, browser tests and people trying the demo name these users, so the usernames
never depend on the seed; the people behind them (names, contact details) do. Practitioners
among them *are* practitioners of the seeded world, named on involvements, so their record
pages show their own name as a contact.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import NamedTuple

from django.conf import settings

from access.models import Role

from .blueprint import Persona
from .contacts import ascii_slug, organisation_domain
from .names import GB, NamePools
from .organisations import Directory, Services
from .places import AUTHORITIES

SYSTEM_DOMAIN = "contactpoint.example.org"
HELPDESK_PHONE = "020 7946 0999"
_DBS_EXPIRED_DAYS = 4 * 365
# teacher.a2's training lapses this many days after the demo is loaded (a reminder is due).
_TRAINING_LAPSES_IN_DAYS = 16


class _Spec(NamedTuple):
    """A persona: ``slot`` names their organisation within ``authority`` (an index into
    ``AUTHORITIES``); ``staff`` is the job title of the practitioner they are, if any."""

    username: str
    role: str
    authority: int
    slot: str | None
    description: str
    staff: str | None = None
    job_title: str = ""
    supervisor: str | None = None
    is_staff: bool = False
    dbs_expired: bool = False
    training_lapsing: bool = False


_SPECS = (
    _Spec(
        username="supervisor.schools",
        role=Role.SUPERVISOR,
        authority=0,
        slot="childrens_services",
        job_title="Head of education safeguarding",
        description=(
            "Supervises teacher.a, teacher.a2, teacher.b, unvetted and supervisor.la: told "
            "at once of their break-glass, endorses or rejects it, and cannot read "
            "children's records"
        ),
    ),
    _Spec(
        username="supervisor.health",
        role=Role.SUPERVISOR,
        authority=0,
        slot="health_visiting",
        job_title="Named nurse for safeguarding children",
        description=(
            "Supervises gp.a and nurse.sexualhealth: judges their break-glass and cannot "
            "read children's records"
        ),
    ),
    _Spec(
        username="supervisor.la",
        role=Role.SUPERVISING_PRACTITIONER,
        authority=0,
        slot="childrens_services",
        staff="Team manager",
        supervisor="supervisor.schools",
        description=(
            "Team manager at {org} who supervises socialworker, cp.lead, datamanager, "
            "datamanager2 and notaccredited and, being a practitioner too, sees every child "
            "living in Leeds"
        ),
    ),
    _Spec(
        username="teacher.a",
        role=Role.PRACTITIONER,
        authority=0,
        slot="primary:0",
        staff="Year 3 class teacher",
        supervisor="supervisor.schools",
        description="Class teacher at {org} who sees only the children at their own school",
    ),
    _Spec(
        username="teacher.a2",
        role=Role.PRACTITIONER,
        authority=0,
        slot="primary:0",
        staff="Year 5 class teacher",
        supervisor="supervisor.schools",
        description=(
            "Colleague of teacher.a at {org} who sees the same children; their ContactPoint "
            "training lapses in a few weeks, so they and orgadmin.school have a reminder"
        ),
        training_lapsing=True,
    ),
    _Spec(
        username="teacher.b",
        role=Role.PRACTITIONER,
        authority=0,
        slot="primary:1",
        staff="Year 4 class teacher",
        supervisor="supervisor.schools",
        description=(
            "Class teacher at {org}, another Leeds school, for whom teacher.a's pupils are "
            "simply not found"
        ),
    ),
    _Spec(
        username="gp.a",
        role=Role.PRACTITIONER,
        authority=0,
        slot="gp:0",
        staff="GP",
        supervisor="supervisor.health",
        description=(
            "GP at {org} who sees the practice's registered children but never their "
            "cloaked sexual-health involvements"
        ),
    ),
    _Spec(
        username="socialworker",
        role=Role.PRACTITIONER,
        authority=0,
        slot="childrens_services",
        staff="Social worker",
        supervisor="supervisor.la",
        description=(
            "Social worker at {org} who sees every child living in Leeds (local-authority scope)"
        ),
    ),
    _Spec(
        username="cp.lead",
        role=Role.CHILD_PROTECTION_PRACTITIONER,
        authority=0,
        slot="childrens_services",
        staff="Child protection lead",
        supervisor="supervisor.la",
        description=(
            "Child-protection lead at {org} who may override a shield after a warning and a "
            "fresh second factor, which raises an immediate alert"
        ),
    ),
    _Spec(
        username="nurse.sexualhealth",
        role=Role.PRACTITIONER,
        authority=0,
        slot="sexual_health",
        staff="Sexual health nurse",
        supervisor="supervisor.health",
        description=(
            "Nurse at {org}, a sensitive service whose involvements are cloaked from "
            "everyone else, who is told when others look up their patients"
        ),
    ),
    _Spec(
        username="datamanager",
        role=Role.DATA_MANAGER,
        authority=0,
        slot="childrens_services",
        job_title="ContactPoint data manager",
        supervisor="supervisor.la",
        description=(
            "Leeds data manager who resolves duplicates, manages shielding and brokers "
            "contact for shielded children"
        ),
    ),
    _Spec(
        username="datamanager2",
        role=Role.DATA_MANAGER,
        authority=0,
        slot="childrens_services",
        job_title="ContactPoint data manager",
        supervisor="supervisor.la",
        description=(
            "Second Leeds data manager: approves or declines datamanager's requests to lift a "
            "shield (four eyes), and the other way round"
        ),
    ),
    _Spec(
        username="auditor",
        role=Role.AUDITOR,
        authority=0,
        slot="childrens_services",
        job_title="Information governance officer",
        description=(
            "Auditor who reviews alerts and who-viewed reports and verifies the audit log, "
            "without access to children's records"
        ),
        is_staff=True,
    ),
    _Spec(
        username="orgadmin.school",
        role=Role.ORG_ADMIN,
        authority=0,
        slot="primary:0",
        job_title="School business manager",
        description=(
            "Organisation admin for {org} who manages its users and second-factor devices "
            "in Django admin and never sees a child"
        ),
        is_staff=True,
    ),
    _Spec(
        username="admin",
        role=Role.SYSTEM_ADMIN,
        authority=0,
        slot=None,
        job_title="ContactPoint system administrator",
        description=(
            "System admin (IT) who manages organisations and users in Django admin and can "
            "see no child"
        ),
        is_staff=True,
    ),
    _Spec(
        username="unvetted",
        role=Role.PRACTITIONER,
        authority=0,
        slot="primary:0",
        staff="Year 1 class teacher",
        supervisor="supervisor.schools",
        description=(
            "Class teacher at {org} whose enhanced DBS check is four years old, so every "
            "search is refused until it is renewed"
        ),
        dbs_expired=True,
    ),
    _Spec(
        username="notaccredited",
        role=Role.PRACTITIONER,
        authority=0,
        slot="voluntary",
        staff="Youth worker",
        supervisor="supervisor.la",
        description=(
            "Youth worker at {org}, which is not accredited, so every search is refused "
            "however current their own vetting"
        ),
    ),
    _Spec(
        username="supervisor.kent",
        role=Role.SUPERVISOR,
        authority=1,
        slot="childrens_services",
        job_title="Safeguarding manager",
        description="Supervises gp.kent and judges their break-glass",
    ),
    _Spec(
        username="gp.kent",
        role=Role.PRACTITIONER,
        authority=1,
        slot="gp:0",
        staff="GP",
        supervisor="supervisor.kent",
        description="GP at {org} who sees the practice's registered children in Kent",
    ),
    _Spec(
        username="supervisor.manchester",
        role=Role.SUPERVISOR,
        authority=2,
        slot="health_visiting",
        job_title="Named nurse for safeguarding children",
        description="Supervises healthvisitor.manchester and judges their break-glass",
    ),
    _Spec(
        username="healthvisitor.manchester",
        role=Role.PRACTITIONER,
        authority=2,
        slot="health_visiting",
        staff="Health visitor",
        supervisor="supervisor.manchester",
        description=(
            "Health visitor at {org} who sees Manchester's under-fives and school-nursing children"
        ),
    ),
    _Spec(
        username="supervisor.bristol",
        role=Role.SUPERVISOR,
        authority=3,
        slot="childrens_services",
        job_title="Safeguarding manager",
        description="Supervises teacher.bristol and judges their break-glass",
    ),
    _Spec(
        username="teacher.bristol",
        role=Role.PRACTITIONER,
        authority=3,
        slot="primary:0",
        staff="Year 2 class teacher",
        supervisor="supervisor.bristol",
        description="Class teacher at {org} who sees only the Bristol pupils of their own school",
    ),
)

USERNAMES = tuple(spec.username for spec in _SPECS)


def personas_build(
    *, rng: random.Random, pools: NamePools, directory: Directory, today: date
) -> list[Persona]:
    """Vetting dates are relative to ``today`` (the real date), not the world's reference date:
    vetting is checked against today, and a demo whose users expire is no demo.
    """
    return [_persona(spec, rng, pools, directory, today) for spec in _SPECS]


def _persona(spec: _Spec, rng, pools: NamePools, directory: Directory, today: date) -> Persona:
    organisation = _organisation(directory, spec)
    practitioner = None
    if spec.staff:
        practitioner = directory.staff_titled(organisation, spec.staff)[0]
        given_name, family_name = practitioner.given_name, practitioner.family_name
        email, phone = practitioner.email, practitioner.phone
    else:
        family_name, _ = pools.surname(rng)
        given_name = pools.adult_given_name(rng, origin=GB, sex=rng.choice(("female", "male")))
        domain = (
            organisation_domain(directory.names[organisation]) if organisation else SYSTEM_DOMAIN
        )
        email = f"{ascii_slug(given_name)}.{ascii_slug(family_name)}@{domain}"
        phone = _switchboard(directory, organisation)
    dbs_age = _DBS_EXPIRED_DAYS + rng.randint(0, 60) if spec.dbs_expired else rng.randint(60, 800)
    training_age = rng.randint(14, 300)
    if spec.training_lapsing:
        training_age = settings.VETTING_TRAINING_VALID_DAYS - _TRAINING_LAPSES_IN_DAYS
    return Persona(
        username=spec.username,
        role=spec.role,
        organisation=organisation,
        practitioner=practitioner.key if practitioner else None,
        supervisor=spec.supervisor,
        given_name=given_name,
        family_name=family_name,
        job_title=spec.staff or spec.job_title,
        email=email,
        phone=phone,
        is_staff=spec.is_staff,
        dbs_certificate_number=_certificate_number(spec.username),
        dbs_checked_on=today - timedelta(days=dbs_age),
        training_completed_on=today - timedelta(days=training_age),
        agreement_signed_on=today - timedelta(days=rng.randint(14, 300)),
        description=spec.description.format(
            org=directory.names[organisation] if organisation else ""
        ),
    )


def _certificate_number(username: str) -> str:
    """A made-up DBS certificate number, from its own generator: the world's draws (names,
    dates) stay those of earlier versions of the demo."""
    return f"00{random.Random(f'dbs:{username}').randrange(10**10):010d}"  # noqa: S311


def _organisation(directory: Directory, spec: _Spec) -> str | None:
    if spec.slot is None:
        return None
    services: Services = directory.services[AUTHORITIES[spec.authority].code]
    name, _, position = spec.slot.partition(":")
    if position:
        return getattr(services, {"primary": "primaries", "gp": "gps"}[name])[int(position)]
    return getattr(services, name)


def _switchboard(directory: Directory, organisation: str | None) -> str:
    if organisation is None:
        return HELPDESK_PHONE
    return next(row.phone for row in directory.organisations if row.code == organisation)
