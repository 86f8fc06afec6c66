"""Households: children who share an address, a family name and their carers.

Matching, siblings on one record page and "who else lives here" only mean something when
the data has real families in it: about 40% of households have two or more children, some
are twins, a few step-, foster-, adoptive and kinship families carry the former names and
parental-responsibility patterns that make identification hard in real life.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from directory.models import Child

from .blueprint import CarerRow, ChildRow
from .contacts import mobile, personal_email
from .names import NICKNAMES, NamePools
from .organisations import Directory, Services
from .places import AUTHORITIES, Address, AddressBook
from .sampling import Weighted

_SIZES = Weighted((1, 2, 3, 4, 5), [60.0, 28.0, 9.0, 2.5, 0.5])
_GENDERS = Weighted(
    (Child.Gender.FEMALE, Child.Gender.MALE, Child.Gender.OTHER, Child.Gender.NOT_KNOWN),
    [49.0, 50.5, 0.3, 0.2],
)
_TWINS = 0.06
_PREFERRED_NAME = 0.02
_GIVEN_NAME_CHANGED = 0.005
_STEP_SURNAME_CHANGED = 0.15
_SHIELDED = 0.003
_ARCHIVED = 0.01
_MOVED_AUTHORITY = 0.012
_MOVED_AREA = 0.03
_CARER_PHONE = 0.95
_CARER_EMAIL = 0.65
_GP_NEARBY = 0.85


class CarerSpec(NamedTuple):
    given_name: str
    family_name: str
    relationship: str
    parental_responsibility: bool
    phone: str
    email: str
    address: str


@dataclass
class Household:
    """What the involvement rules need to know about a family."""

    services: Services
    area: int
    gp: str
    children: list[tuple[int, date]] = field(default_factory=list)
    previous: tuple[Services, int] | None = None
    moved_on: date | None = None


@dataclass
class Population:
    households: list[Household] = field(default_factory=list)
    children: list[ChildRow] = field(default_factory=list)
    carers: list[CarerRow] = field(default_factory=list)


def public_id_from(rng: random.Random) -> str:
    """The format of ``directory.public_ids.new_public_id`` (16 bytes, 26 lowercase base32
    characters), drawn from the seeded RNG so a demo world's ids are reproducible."""
    return base64.b32encode(rng.randbytes(16)).decode("ascii").rstrip("=").lower()


def population_build(
    *,
    rng: random.Random,
    pools: NamePools,
    books: dict[tuple[str, int], AddressBook],
    directory: Directory,
    children: int,
    reference_date: date,
) -> Population:
    builder = _Builder(rng, pools, books, directory, reference_date)
    while len(builder.population.children) < children:
        builder.household(room=children - len(builder.population.children))
    return builder.population


class _Builder:
    def __init__(self, rng, pools, books, directory, reference_date):
        self.rng = rng
        self.pools = pools
        self.books = books
        self.directory = directory
        self.reference_date = reference_date
        earliest = reference_date.replace(year=reference_date.year - 18) + timedelta(days=1)
        self.max_age_days = (reference_date - earliest).days
        self.population = Population()
        self.authorities = Weighted(AUTHORITIES, [authority.share for authority in AUTHORITIES])

    def household(self, *, room: int) -> None:
        rng = self.rng
        authority = self.authorities.pick(rng)
        services = self.directory.services[authority.code]
        area = rng.randrange(len(authority.areas))
        kind = _KINDS.pick(rng)
        size = min(room, _SIZES.pick(rng), 2 if kind == "foster" else 5)
        family_name, origin = self.pools.surname(rng)
        address = self.books[authority.code, area].address(rng)
        household = Household(services=services, area=area, gp=self._gp(services, area))
        self._maybe_moved(household)
        carers, (surname, former_surname) = self._carers(kind, family_name, origin, household)
        shielded = rng.random() < _SHIELDED
        for date_of_birth in self._dates_of_birth(size):
            index = len(self.population.children)
            self.population.children.append(
                self._child(
                    surname,
                    origin,
                    date_of_birth,
                    address,
                    authority.code,
                    shielded,
                    former_surname,
                )
            )
            household.children.append((index, date_of_birth))
            self.population.carers.extend(CarerRow(index, *carer) for carer in carers)
        self.population.households.append(household)

    def _gp(self, services: Services, area: int) -> str:
        if self.rng.random() < _GP_NEARBY:
            return services.gp_for(area)
        return self.rng.choice(services.gps)

    def _maybe_moved(self, household: Household) -> None:
        """A few families moved recently: from another authority (their old school and GP
        involvements there have ended) or from another neighbourhood of the same one."""
        rng = self.rng
        draw = rng.random()
        if draw >= _MOVED_AUTHORITY + _MOVED_AREA:
            return
        household.moved_on = self.reference_date - timedelta(days=rng.randint(30, 700))
        if draw < _MOVED_AUTHORITY:
            others = [s for s in self.directory.services.values() if s is not household.services]
            previous = rng.choice(others)
            household.previous = (previous, rng.randrange(len(previous.authority.areas)))
        else:
            areas = len(household.services.authority.areas)
            household.previous = (household.services, (household.area + 1) % areas)

    def _dates_of_birth(self, size: int) -> list[date]:
        rng = self.rng
        gaps = [
            0 if position == 1 and rng.random() < _TWINS else rng.randint(400, 1800)
            for position in range(1, size)
        ]
        while sum(gaps) > self.max_age_days:
            gaps.pop()
        age = rng.randint(sum(gaps), self.max_age_days)
        ages = [age]
        for gap in gaps:
            ages.append(ages[-1] - gap)
        return [self.reference_date - timedelta(days=days) for days in ages]

    def _child(
        self,
        family_name,
        origin,
        date_of_birth,
        address: Address,
        authority_code,
        shielded,
        former_surname,
    ) -> ChildRow:
        rng = self.rng
        gender = _GENDERS.pick(rng)
        sex = gender if gender in ("female", "male") else rng.choice(("female", "male"))
        given_name = self.pools.child_given_name(rng, origin=origin, sex=sex)
        former = (f"{given_name} {former_surname}",) if former_surname else ()
        if not former and rng.random() < _GIVEN_NAME_CHANGED:
            old_given = self.pools.child_given_name(rng, origin=origin, sex=sex)
            former = (f"{old_given} {family_name}",)
        preferred = ""
        if rng.random() < _PREFERRED_NAME:
            preferred = NICKNAMES.get(given_name) or self.pools.child_given_name(
                rng, origin=origin, sex=sex
            )
        return ChildRow(
            public_id=public_id_from(rng),
            given_name=given_name,
            family_name=family_name,
            preferred_name=preferred if preferred != given_name else "",
            former_names=former,
            date_of_birth=date_of_birth,
            gender=gender,
            address_line_1=address.line_1,
            address_line_2=address.line_2,
            town=address.town,
            postcode=address.postcode,
            local_authority=authority_code,
            status=Child.Status.ARCHIVED if rng.random() < _ARCHIVED else Child.Status.ACTIVE,
            shielded=shielded,
        )

    def _carers(self, kind, family_name, origin, household):
        """Carers, the children's family name and the family name they had before (for
        adopted children and those who took a step-parent's name)."""
        adult = _Adults(self, origin, household)
        make, _ = _FAMILIES[kind]
        return make(adult, self.rng, family_name, self.pools)


class _Adults:
    """Makes one carer of a household; the family functions below call it like a function,
    which keeps each of them to the few lines that say who the carers are."""

    def __init__(self, builder: _Builder, origin: str, household: Household):
        self.builder = builder
        self.origin = origin
        self.household = household

    def __call__(self, sex, relationship, responsibility, family_name=None, *, away=False):
        builder, rng = self.builder, self.builder.rng
        origin = self.origin
        if family_name is None:
            family_name, origin = builder.pools.surname(rng)
        given_name = builder.pools.adult_given_name(rng, origin=origin, sex=sex)
        address = ""
        if away:
            authority = self.household.services.authority
            other = (self.household.area + 1 + rng.randrange(len(authority.areas) - 1)) % len(
                authority.areas
            )
            address = builder.books[authority.code, other].address(rng).one_line()
        return CarerSpec(
            given_name=given_name,
            family_name=family_name,
            relationship=relationship,
            parental_responsibility=responsibility,
            phone=mobile(rng) if rng.random() < _CARER_PHONE else "",
            email=personal_email(rng, given_name, family_name)
            if rng.random() < _CARER_EMAIL
            else "",
            address=address,
        )


def _couple(adult, rng, family_name, pools):
    own = family_name if rng.random() < 0.75 else None
    carers = [adult("female", "Mother", True, own), adult("male", "Father", True, family_name)]
    return carers, (family_name, "")


def _single_mother(adult, rng, family_name, pools):
    carers = [adult("female", "Mother", True, family_name)]
    if rng.random() < 0.4:
        carers.append(adult("male", "Father", rng.random() < 0.7, family_name, away=True))
    return carers, (family_name, "")


def _single_father(adult, rng, family_name, pools):
    return [adult("male", "Father", True, family_name)], (family_name, "")


def _step(adult, rng, family_name, pools):
    """A step-parent has no parental responsibility unless a court gives it; some children
    take the step-parent's name, and their old name stays findable as a former name."""
    own = family_name if rng.random() < 0.7 else None
    carers = [adult("female", "Mother", True, own), adult("male", "Stepfather", False)]
    if rng.random() < _STEP_SURNAME_CHANGED:
        return carers, (carers[1].family_name, family_name)
    return carers, (family_name, "")


def _grandparents(adult, rng, family_name, pools):
    carers = [adult("female", "Grandmother", True, family_name)]
    if rng.random() < 0.5:
        carers.append(adult("male", "Grandfather", True, family_name))
    return carers, (family_name, "")


def _foster(adult, rng, family_name, pools):
    """Foster carers have their own name and no parental responsibility (the authority
    shares it); the children keep their birth family's name."""
    carers = [adult(rng.choice(("female", "male")), "Foster carer", False)]
    if rng.random() < 0.6:
        carers.append(
            adult(rng.choice(("female", "male")), "Foster carer", False, carers[0].family_name)
        )
    return carers, (family_name, "")


def _same_sex(adult, rng, family_name, pools):
    sex, relationship = rng.choice((("female", "Mother"), ("male", "Father")))
    own = family_name if rng.random() < 0.5 else None
    carers = [adult(sex, relationship, True, family_name), adult(sex, relationship, True, own)]
    return carers, (family_name, "")


def _adoptive(adult, rng, family_name, pools):
    """Adopted children take their adopters' name; the birth name becomes a former name."""
    carers = [
        adult("female", "Adoptive mother", True, family_name),
        adult("male", "Adoptive father", True, family_name),
    ]
    return carers, (family_name, pools.surname(rng)[0])


# Kind of family: how its carers are made, and its share of households (per cent).
_FAMILIES = {
    "couple": (_couple, 53.0),
    "single_mother": (_single_mother, 22.0),
    "single_father": (_single_father, 3.0),
    "step": (_step, 8.0),
    "grandparents": (_grandparents, 4.0),
    "foster": (_foster, 2.0),
    "same_sex": (_same_sex, 2.0),
    "adoptive": (_adoptive, 1.2),
}
_KINDS = Weighted(tuple(_FAMILIES), [share for _, share in _FAMILIES.values()])
