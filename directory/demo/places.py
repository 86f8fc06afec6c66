"""Where the demo world lives: real local authorities, their neighbourhoods and postcodes.

Authorities carry their real ONS codes and names so that local-authority scope looks as it
will in production. Streets are invented (a seeded Faker surname or a landscape word plus a
British suffix) but sit in the authority's real postcode districts, so a search by postcode
district (LS6, BS3, ME14…) finds the children who live there. Telephone numbers come from
Ofcom's ranges reserved for drama, so no demo number rings a real phone.
"""

from __future__ import annotations

import random
from typing import NamedTuple

from faker import Faker


class Area(NamedTuple):
    """A neighbourhood: one primary school and one GP practice serve it."""

    name: str
    town: str
    districts: tuple[str, ...]


class Authority(NamedTuple):
    code: str
    name: str
    council: str
    police_force: str
    landline_prefix: str
    gp_prefix: str
    health_prefix: str
    urn_base: int
    share: float
    school_stems: tuple[str, ...]
    areas: tuple[Area, ...]


AUTHORITIES = (
    Authority(
        code="E08000035",
        name="Leeds",
        council="Leeds City Council",
        police_force="West Yorkshire Police",
        landline_prefix="0113 496 0",
        gp_prefix="B86",
        health_prefix="9LD",
        urn_base=910000,
        share=0.35,
        school_stems=("Hillside", "Riverside", "Oakfield", "Meadowbank", "Westbrook", "Greenacre"),
        areas=(
            Area("Headingley", "Leeds", ("LS6", "LS16")),
            Area("Chapel Allerton", "Leeds", ("LS7", "LS17")),
            Area("Armley", "Leeds", ("LS12", "LS13")),
            Area("Seacroft", "Leeds", ("LS14", "LS15")),
        ),
    ),
    Authority(
        code="E10000016",
        name="Kent",
        council="Kent County Council",
        police_force="Kent Police",
        landline_prefix="01632 960",
        gp_prefix="G82",
        health_prefix="9KT",
        urn_base=930000,
        share=0.30,
        school_stems=("Larkrise", "Millbrook", "Springfield", "Thornbury", "Willowbank", "Foxhill"),
        areas=(
            Area("Maidstone", "Maidstone", ("ME14", "ME15", "ME16")),
            Area("Canterbury", "Canterbury", ("CT1", "CT2")),
            Area("Tunbridge Wells", "Tunbridge Wells", ("TN1", "TN2", "TN4")),
            Area("Ashford", "Ashford", ("TN23", "TN24")),
        ),
    ),
    Authority(
        code="E08000003",
        name="Manchester",
        council="Manchester City Council",
        police_force="Greater Manchester Police",
        landline_prefix="0161 496 0",
        gp_prefix="P84",
        health_prefix="9MN",
        urn_base=940000,
        share=0.20,
        school_stems=("Hollybank", "Parkside", "Redwood", "Stonecross", "Highfield", "Lindenmere"),
        areas=(
            Area("Didsbury", "Manchester", ("M20",)),
            Area("Levenshulme", "Manchester", ("M19",)),
            Area("Moss Side", "Manchester", ("M14", "M15")),
            Area("Harpurhey", "Manchester", ("M9", "M40")),
        ),
    ),
    Authority(
        code="E06000023",
        name="Bristol",
        council="Bristol City Council",
        police_force="Avon and Somerset Police",
        landline_prefix="0117 496 0",
        gp_prefix="L81",
        health_prefix="9BR",
        urn_base=920000,
        share=0.15,
        school_stems=("Ashgrove", "Beechwood", "Kingsmead", "Fernhill", "Brookfield", "Elmwood"),
        areas=(
            Area("Bishopston", "Bristol", ("BS7", "BS6")),
            Area("Bedminster", "Bristol", ("BS3", "BS13")),
            Area("Fishponds", "Bristol", ("BS16", "BS5")),
            Area("Southmead", "Bristol", ("BS10", "BS9")),
        ),
    ),
)

_STREET_WORDS = (
    "Oak",
    "Ash",
    "Mill",
    "Church",
    "Station",
    "Park",
    "Victoria",
    "Albert",
    "Chapel",
    "Manor",
    "Grange",
    "Meadow",
    "Orchard",
    "Willow",
    "Beech",
    "Hawthorn",
    "King's",
    "Queen's",
    "Castle",
    "Bridge",
    "Spring",
    "Moor",
    "Green",
    "Hill",
    "Cedar",
    "Rowan",
    "Sycamore",
)
_STREET_SUFFIXES = (
    ("Road", 30),
    ("Street", 20),
    ("Avenue", 10),
    ("Close", 8),
    ("Lane", 8),
    ("Drive", 6),
    ("Grove", 5),
    ("Crescent", 4),
    ("Way", 4),
    ("Gardens", 3),
    ("Terrace", 3),
    ("Place", 2),
    ("Court", 2),
    ("Mews", 1),
    ("Walk", 1),
    ("Rise", 1),
    ("View", 1),
)
# Inward codes never use C, I, K, M, O or V.
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_HOUSE_NUMBERS = 160
_POSTCODES_PER_STREET = 2
_HOUSEHOLDS_PER_STREET = 45
_FLAT_SHARE = 0.12


class Address(NamedTuple):
    line_1: str
    line_2: str
    town: str
    postcode: str

    def one_line(self) -> str:
        return ", ".join(part for part in self if part)


class Street(NamedTuple):
    name: str
    district: str
    inward: tuple[str, ...]


class AddressBook:
    """Hands out distinct addresses in one area, so two families never share a front door
    by accident (siblings share one because they share a household, not by chance)."""

    def __init__(self, area: Area, streets: list[Street]):
        self.area = area
        self.streets = streets
        self.used: set[tuple[str, int, int]] = set()

    def address(self, rng: random.Random, *, flats: bool = True) -> Address:
        """A free address; ``flats=False`` for organisations, which have a building."""
        while True:
            street = rng.choice(self.streets)
            number = rng.randint(1, _HOUSE_NUMBERS)
            flat = rng.randint(1, 12) if flats and rng.random() < _FLAT_SHARE else 0
            if (street.name, number, flat) not in self.used:
                self.used.add((street.name, number, flat))
                return self._format(street, number, flat)

    def _format(self, street: Street, number: int, flat: int) -> Address:
        inward = street.inward[(number - 1) * len(street.inward) // _HOUSE_NUMBERS]
        postcode = f"{street.district} {inward}"
        road = f"{number} {street.name}"
        if flat:
            return Address(f"Flat {flat}", road, self.area.town, postcode)
        neighbourhood = self.area.name if self.area.name != self.area.town else ""
        return Address(road, neighbourhood, self.area.town, postcode)


def address_books_build(
    *, fake: Faker, rng: random.Random, households: int
) -> dict[tuple[str, int], AddressBook]:
    """One address book per (authority code, area index), with enough streets that each
    holds a few dozen of the expected households."""
    books = {}
    used_postcodes: set[str] = set()
    for authority in AUTHORITIES:
        per_area = households * authority.share / len(authority.areas)
        street_count = max(12, int(per_area / _HOUSEHOLDS_PER_STREET) + 1)
        for index, area in enumerate(authority.areas):
            streets = _streets(fake, rng, area, street_count, used_postcodes)
            books[authority.code, index] = AddressBook(area, streets)
    return books


def _streets(
    fake: Faker, rng: random.Random, area: Area, count: int, used_postcodes: set[str]
) -> list[Street]:
    names: set[str] = set()
    streets = []
    suffixes = [suffix for suffix, _ in _STREET_SUFFIXES]
    weights = [weight for _, weight in _STREET_SUFFIXES]
    while len(streets) < count:
        stem = fake.last_name() if rng.random() < 0.6 else rng.choice(_STREET_WORDS)
        name = f"{stem} {rng.choices(suffixes, weights)[0]}"
        if name in names:
            continue
        names.add(name)
        district = rng.choice(area.districts)
        inward = tuple(
            _new_inward(rng, district, used_postcodes) for _ in range(_POSTCODES_PER_STREET)
        )
        streets.append(Street(name, district, inward))
    return streets


def _new_inward(rng: random.Random, district: str, used: set[str]) -> str:
    while True:
        inward = f"{rng.randint(0, 9)}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"
        if f"{district} {inward}" not in used:
            used.add(f"{district} {inward}")
            return inward
