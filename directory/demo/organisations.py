"""The organisations of each demo authority and the practitioners who work in them.

Every authority gets the services a child meets: children's services, primary and secondary
schools, GP practices, health visiting, a police safeguarding team and a youth justice
service. The first authority also gets the two organisations that demonstrate refusals: a
sexual-health service (sensitive, so its involvements are cloaked) and a voluntary youth
project that is not accredited (so its staff may not search at all).

Names and codes do not depend on the seed, so documentation can name them; school URNs and
GP ODS codes sit in 9xx ranges, well clear of the real ones.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from directory.models import Organisation

from .blueprint import OrganisationRow, PractitionerRow
from .contacts import PhoneBook, ascii_slug, organisation_domain
from .names import NamePools
from .places import AUTHORITIES, AddressBook, Authority

Kind = Organisation.Kind

PRIMARY_YEARS = ("Reception",) + tuple(f"Year {year}" for year in range(1, 7))
SECONDARY_YEARS = tuple(range(7, 14))

_STAFF = {
    "primary": (
        ("Headteacher", 1),
        ("Designated safeguarding lead", 1),
        *((f"{year} class teacher", 1) for year in PRIMARY_YEARS),
    ),
    "secondary": (
        ("Headteacher", 1),
        ("Designated safeguarding lead", 1),
        *((f"Head of Year {year}", 1) for year in SECONDARY_YEARS),
    ),
    Kind.GP_PRACTICE: (("GP", 3), ("Practice nurse", 1)),
    Kind.HEALTH_SERVICE: (("Health visitor", 5), ("School nurse", 2)),
    Kind.LA_CHILDRENS_SERVICES: (
        ("Social worker", 6),
        ("Child protection lead", 1),
        ("Team manager", 1),
    ),
    Kind.POLICE: (("Police constable, child protection", 2), ("Detective sergeant", 1)),
    Kind.YOUTH_OFFENDING: (("Youth justice officer", 3),),
    "sexual_health": (("Sexual health nurse", 2), ("Sexual health doctor", 1)),
    Kind.VOLUNTARY: (("Youth worker", 2),),
}
# Services every authority has: (field of ``Services``, name, kind, official code, area).
_CORE = (
    (
        "childrens_services",
        "{council} Children's Services",
        Kind.LA_CHILDRENS_SERVICES,
        "{code}",
        0,
    ),
    (
        "health_visiting",
        "{name} Health Visiting and School Nursing",
        Kind.HEALTH_SERVICE,
        "{health_prefix}HV",
        1,
    ),
    ("police", "{police_force}, {name} Safeguarding Unit", Kind.POLICE, "POL{code}", 2),
    ("youth_justice", "{name} Youth Justice Service", Kind.YOUTH_OFFENDING, "YJS{code}", 3),
)
_DOCTORS = frozenset({"GP", "Sexual health doctor"})
_GP_SUFFIXES = ("Medical Practice", "Health Centre", "Surgery")


@dataclass
class Services:
    """One authority's organisations, by what they do, as official codes."""

    authority: Authority
    childrens_services: str
    health_visiting: str
    police: str
    youth_justice: str
    primaries: list[str] = field(default_factory=list)
    secondaries: list[str] = field(default_factory=list)
    gps: list[str] = field(default_factory=list)
    sexual_health: str | None = None
    voluntary: str | None = None

    def primary_for(self, area: int) -> str:
        return self.primaries[area]

    def secondary_for(self, area: int) -> str:
        return self.secondaries[area * len(self.secondaries) // len(self.primaries)]

    def gp_for(self, area: int) -> str:
        return self.gps[min(area, len(self.gps) - 1)]


@dataclass
class Directory:
    """Every organisation and practitioner, with look-ups the involvement rules need."""

    organisations: list[OrganisationRow] = field(default_factory=list)
    practitioners: list[PractitionerRow] = field(default_factory=list)
    services: dict[str, Services] = field(default_factory=dict)
    staff: dict[tuple[str, str], list[PractitionerRow]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def staff_titled(self, organisation: str, job_title: str) -> list[PractitionerRow]:
        return self.staff.get((organisation, job_title), [])


def directory_build(
    *, rng: random.Random, pools: NamePools, books: dict[tuple[str, int], AddressBook]
) -> Directory:
    directory = Directory()
    builder = _Builder(directory, rng, pools, books)
    for position, authority in enumerate(AUTHORITIES):
        directory.services[authority.code] = builder.authority(authority, first=position == 0)
    return directory


class _Builder:
    def __init__(self, directory, rng, pools, books):
        self.directory = directory
        self.rng = rng
        self.pools = pools
        self.books = books

    def authority(self, authority: Authority, *, first: bool) -> Services:
        self.phones = PhoneBook(authority.landline_prefix)
        facts = authority._asdict()
        core = {
            attribute: self._add(
                authority, name.format(**facts), kind, code.format(**facts), area=area
            )
            for attribute, name, kind, code, area in _CORE
        }
        services = Services(authority=authority, **core)
        for index in range(3):
            services.gps.append(
                self._add(
                    authority,
                    f"{authority.areas[index].name} {_GP_SUFFIXES[index]}",
                    Kind.GP_PRACTICE,
                    f"{authority.gp_prefix}9{index + 1:02d}",
                    area=index,
                )
            )
        self._schools(authority, services)
        if first:
            self._refusal_demonstrators(authority, services)
        return services

    def _schools(self, authority: Authority, services: Services) -> None:
        """A primary school per area and two secondaries, each serving two areas."""
        stems = authority.school_stems
        for index in range(len(authority.areas)):
            services.primaries.append(
                self._add(
                    authority,
                    f"{stems[index]} Primary School",
                    Kind.SCHOOL,
                    str(authority.urn_base + index + 1),
                    area=index,
                    staff="primary",
                )
            )
        for index, suffix in enumerate(("Academy", "High School")):
            services.secondaries.append(
                self._add(
                    authority,
                    f"{stems[4 + index]} {suffix}",
                    Kind.SCHOOL,
                    str(authority.urn_base + 11 + index),
                    area=index * 2,
                    staff="secondary",
                )
            )

    def _refusal_demonstrators(self, authority: Authority, services: Services) -> None:
        services.sexual_health = self._add(
            authority,
            f"{authority.name} Young People's Sexual Health Service",
            Kind.HEALTH_SERVICE,
            f"{authority.health_prefix}SH",
            area=0,
            staff="sexual_health",
            sensitive=True,
        )
        services.voluntary = self._add(
            authority,
            "Northside Community Youth Project",
            Kind.VOLUNTARY,
            f"VOL{authority.code}",
            area=1,
            accredited=False,
        )

    def _add(
        self, authority, name, kind, code, *, area, staff=None, sensitive=False, accredited=True
    ) -> str:
        """Add one organisation and its staff; returns its official code."""
        address = self.books[authority.code, area].address(self.rng, flats=False)
        domain = organisation_domain(name)
        self.directory.organisations.append(
            OrganisationRow(
                code=code,
                name=name,
                kind=kind,
                local_authority=authority.code,
                accredited=accredited,
                sensitive_service=sensitive,
                phone=self.phones.number(),
                email=f"enquiries@{domain}",
                address=", ".join(part for part in address[:3] if part),
                postcode=address.postcode,
            )
        )
        self.directory.names[code] = name
        self._staff(code, domain, _STAFF[staff or kind])
        return code

    def _staff(self, code: str, domain: str, roles) -> None:
        emails: set[str] = set()
        for job_title, count in roles:
            for _ in range(count):
                row = self._practitioner(code, domain, job_title, emails)
                self.directory.practitioners.append(row)
                self.directory.staff.setdefault((code, job_title), []).append(row)

    def _practitioner(self, code: str, domain: str, job_title: str, emails: set[str]):
        family_name, origin = self.pools.surname(self.rng)
        sex = self.rng.choice(("female", "male"))
        given_name = self.pools.adult_given_name(self.rng, origin=origin, sex=sex)
        email = _unique_email(given_name, family_name, domain, emails)
        return PractitionerRow(
            key=f"{code}/{len(self.directory.practitioners)}",
            organisation=code,
            title="Dr" if job_title in _DOCTORS else "",
            given_name=given_name,
            family_name=family_name,
            job_title=job_title,
            phone=self.phones.number(),
            email=email,
        )


def _unique_email(given_name: str, family_name: str, domain: str, used: set[str]) -> str:
    base = f"{ascii_slug(given_name)[:1]}.{ascii_slug(family_name)}"
    email, suffix = f"{base}@{domain}", 2
    while email in used:
        email, suffix = f"{base}{suffix}@{domain}", suffix + 1
    used.add(email)
    return email
