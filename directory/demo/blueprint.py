"""The demo world as plain rows, before anything touches the database.

Keeping generation free of models means the same seed can be checked for determinism
without a database, and the writer is the only place that knows about ``bulk_create``.
Rows refer to each other by stable keys (an organisation's official code, a practitioner's
key, a child's position in the list), not by database ids, which do not exist yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple


class AuthorityRow(NamedTuple):
    code: str
    name: str


class OrganisationRow(NamedTuple):
    code: str
    name: str
    kind: str
    local_authority: str
    accredited: bool
    sensitive_service: bool
    phone: str
    email: str
    address: str
    postcode: str


class PractitionerRow(NamedTuple):
    key: str
    organisation: str
    title: str
    given_name: str
    family_name: str
    job_title: str
    phone: str
    email: str

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.title, self.given_name, self.family_name) if part)


class ChildRow(NamedTuple):
    public_id: str
    given_name: str
    family_name: str
    preferred_name: str
    former_names: tuple[str, ...]
    date_of_birth: date
    gender: str
    address_line_1: str
    address_line_2: str
    town: str
    postcode: str
    local_authority: str
    status: str
    shielded: bool


class CarerRow(NamedTuple):
    child: int
    given_name: str
    family_name: str
    relationship: str
    parental_responsibility: bool
    phone: str
    email: str
    address: str


class InvolvementRow(NamedTuple):
    child: int
    organisation: str
    practitioner: str
    role: str
    started_on: date
    ended_on: date | None


@dataclass
class Persona:
    """A demo user with a stable username, so documentation can name them."""

    username: str
    role: str
    organisation: str | None
    practitioner: str | None
    supervisor: str | None
    given_name: str
    family_name: str
    job_title: str
    email: str
    phone: str
    is_staff: bool
    dbs_certificate_number: str
    dbs_checked_on: date
    training_completed_on: date
    agreement_signed_on: date
    description: str
    example_surnames: tuple[str, ...] = ()


@dataclass
class World:
    seed: int
    reference_date: date
    authorities: list[AuthorityRow] = field(default_factory=list)
    organisations: list[OrganisationRow] = field(default_factory=list)
    practitioners: list[PractitionerRow] = field(default_factory=list)
    children: list[ChildRow] = field(default_factory=list)
    carers: list[CarerRow] = field(default_factory=list)
    involvements: list[InvolvementRow] = field(default_factory=list)
    personas: list[Persona] = field(default_factory=list)
