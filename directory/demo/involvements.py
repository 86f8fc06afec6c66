"""Which services work with each child, and since when.

Involvements are what put a child in an organisation's scope, so they follow real life:
every child has a GP, school-age children a school near home (class teacher or head of year
named), under-fives a health visitor; a few have a social worker, a youth justice officer, a
sexual-health nurse (a cloaked involvement) or the unaccredited youth project. Ended
involvements (last year's primary school, the health visitor before school, a closed social
work case, the school and GP left behind by a family that moved) let the demo show that
scope ends when the work does.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from operator import attrgetter
from typing import NamedTuple

from directory.models import Involvement

from .blueprint import InvolvementRow
from .households import Household, Population
from .organisations import PRIMARY_YEARS, Directory, Services

Role = Involvement.Role

_MIN_ACTIVE = 6
_NAMED = 0.88
_OTHER_SCHOOL = 0.1
_SIXTH_FORM = 0.85


class Rule(NamedTuple):
    """A service that works with some of the eligible children, at a given rate."""

    role: str
    organisation: attrgetter
    staff: tuple[str, ...]
    ages: range
    rate: float
    per_household: bool
    lookback_days: int
    ended: bool = False


# Rates are shares of the eligible children (or of households, where a service works with
# the whole family); ``lookback_days`` bounds how long ago the work began.
_RULES = (
    Rule(
        role=Role.SOCIAL_WORKER,
        organisation=attrgetter("childrens_services"),
        staff=("Social worker",),
        ages=range(0, 18),
        rate=0.05,
        per_household=True,
        lookback_days=900,
    ),
    Rule(
        role=Role.SOCIAL_WORKER,
        organisation=attrgetter("childrens_services"),
        staff=("Social worker",),
        ages=range(0, 18),
        rate=0.03,
        per_household=True,
        lookback_days=1400,
        ended=True,
    ),
    Rule(
        role=Role.SCHOOL_NURSE,
        organisation=attrgetter("health_visiting"),
        staff=("School nurse",),
        ages=range(5, 18),
        rate=0.4,
        per_household=False,
        lookback_days=700,
    ),
    Rule(
        role=Role.YOUTH_OFFENDING,
        organisation=attrgetter("youth_justice"),
        staff=("Youth justice officer",),
        ages=range(10, 18),
        rate=0.01,
        per_household=False,
        lookback_days=500,
    ),
    Rule(
        role=Role.OTHER,
        organisation=attrgetter("police"),
        staff=("Police constable, child protection", "Detective sergeant"),
        ages=range(0, 18),
        rate=0.005,
        per_household=True,
        lookback_days=400,
    ),
    Rule(
        role=Role.SEXUAL_HEALTH,
        organisation=attrgetter("sexual_health"),
        staff=("Sexual health nurse", "Sexual health doctor"),
        ages=range(13, 18),
        rate=0.02,
        per_household=False,
        lookback_days=400,
    ),
    Rule(
        role=Role.OTHER,
        organisation=attrgetter("voluntary"),
        staff=("Youth worker",),
        ages=range(8, 18),
        rate=0.03,
        per_household=False,
        lookback_days=600,
    ),
)


class _Child(NamedTuple):
    index: int
    date_of_birth: date
    age: int
    school_age: int


def involvements_build(
    *, rng: random.Random, directory: Directory, population: Population, reference_date: date
) -> list[InvolvementRow]:
    planner = _Planner(rng, directory, reference_date)
    for household in population.households:
        planner.household(household)
    planner.fill_quiet_services()
    return planner.rows


def age_on(date_of_birth: date, day: date) -> int:
    return (
        day.year
        - date_of_birth.year
        - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))
    )


def birthday(date_of_birth: date, years: int) -> date:
    """The ``years``-th birthday; 29 February children celebrate on 1 March."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + years)
    except ValueError:
        return date(date_of_birth.year + years, 3, 1)


class _Planner:
    def __init__(self, rng: random.Random, directory: Directory, reference_date: date):
        self.rng = rng
        self.directory = directory
        self.today = reference_date
        start = date(reference_date.year, 9, 1)
        self.school_year = start if reference_date >= start else start.replace(year=start.year - 1)
        self.rows: list[InvolvementRow] = []
        self.named: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        self.chosen: dict[tuple[int, str], set[int]] = defaultdict(set)
        self.passed_over: dict[tuple[int, str], list[_Child]] = defaultdict(list)

    def add(
        self,
        child: int,
        organisation: str,
        role: str,
        started: date,
        ended: date | None = None,
        staff: tuple[str, ...] = (),
        named: float = _NAMED,
    ):
        practitioner = ""
        candidates = self._candidates(organisation, staff)
        if candidates and self.rng.random() < named:
            practitioner = self.rng.choice(candidates)
        self.rows.append(InvolvementRow(child, organisation, practitioner, role, started, ended))

    def _candidates(self, organisation: str, staff: tuple[str, ...]) -> list[str]:
        key = (organisation, staff)
        if key not in self.named:
            self.named[key] = [
                p.key for title in staff for p in self.directory.staff_titled(organisation, title)
            ]
        return self.named[key]

    def household(self, household: Household) -> None:
        last_summer = self.school_year - timedelta(days=1)
        children = [
            _Child(index, born, age_on(born, self.today), age_on(born, last_summer))
            for index, born in household.children
        ]
        for child in children:
            self._gp(household, child)
            self._school(household, child)
            self._health_visiting(household, child)
        for position, rule in enumerate(_RULES):
            self._rule(position, rule, household, children)

    def _gp(self, household: Household, child: _Child) -> None:
        registered = min(child.date_of_birth + timedelta(days=self.rng.randint(7, 60)), self.today)
        moved_on = household.moved_on
        previous = household.previous
        if previous and previous[0] is not household.services and moved_on > registered:
            old_gp = previous[0].gp_for(previous[1])
            self.add(child.index, old_gp, Role.GP, registered, moved_on, ("GP",))
            registered = moved_on
        self.add(child.index, household.gp, Role.GP, registered, staff=("GP",))

    def _health_visiting(self, household: Household, child: _Child) -> None:
        """Health visitors work with a family from birth until the child starts school."""
        if child.school_age > 4:
            return
        visited = min(child.date_of_birth + timedelta(days=self.rng.randint(10, 14)), self.today)
        organisation = household.services.health_visiting
        ended = self.school_year if child.school_age == 4 else None
        self.add(
            child.index, organisation, Role.HEALTH_VISITOR, visited, ended, ("Health visitor",)
        )

    def _school(self, household: Household, child: _Child) -> None:
        year = child.school_age
        if year < 4 or (year >= 16 and self.rng.random() > _SIXTH_FORM):
            return
        primary = year <= 10
        entry = self._entry(year, primary)
        if not primary and year <= 12:
            self._previous_primary(household, child, entry)
        services, area = household.services, household.area
        school = self._nearby_school(services, area, primary)
        moved_on = household.moved_on
        if moved_on and moved_on > entry:
            old_services, old_area = household.previous
            old_school = self._nearby_school(old_services, old_area, primary)
            if old_school != school:
                self.add(child.index, old_school, Role.SCHOOL, entry, moved_on)
                entry = moved_on
        title = (
            f"{PRIMARY_YEARS[year - 4]} class teacher" if primary else f"Head of Year {year - 4}"
        )
        self.add(child.index, school, Role.SCHOOL, entry, staff=(title,))

    def _entry(self, year: int, primary: bool) -> date:
        """1 September of Reception (primary) or Year 7 (secondary)."""
        years_in = year - 4 if primary else year - 11
        return self.school_year.replace(year=self.school_year.year - years_in)

    def _previous_primary(self, household: Household, child: _Child, secondary_entry: date):
        """Pupils in Years 7 and 8 still have last year's primary school, now ended."""
        left = date(secondary_entry.year, 7, 23)
        services, area = household.services, household.area
        if household.moved_on and household.moved_on > left:
            services, area = household.previous
        school = services.primary_for(area)
        reception = secondary_entry.replace(year=secondary_entry.year - 7)
        self.add(child.index, school, Role.SCHOOL, reception, left, ("Year 6 class teacher",))

    def _nearby_school(self, services: Services, area: int, primary: bool) -> str:
        if self.rng.random() < _OTHER_SCHOOL:
            return self.rng.choice(services.primaries if primary else services.secondaries)
        return services.primary_for(area) if primary else services.secondary_for(area)

    def _rule(self, position: int, rule: Rule, household: Household, children) -> None:
        organisation = rule.organisation(household.services)
        if organisation is None:
            return
        draw = self.rng.random()
        for child in children:
            if child.age not in rule.ages:
                continue
            if not rule.per_household:
                draw = self.rng.random()
            if draw < rule.rate:
                self._apply(rule, organisation, child)
                self.chosen[position, organisation].add(child.index)
            elif not rule.ended:
                self.passed_over[position, organisation].append(child)

    def _apply(self, rule: Rule, organisation: str, child: _Child) -> None:
        earliest = max(
            birthday(child.date_of_birth, rule.ages.start), child.date_of_birth + timedelta(days=7)
        )
        started = max(
            self.today - timedelta(days=self.rng.randint(14, rule.lookback_days)), earliest
        )
        ended = None
        if rule.ended:
            ended = started + timedelta(days=self.rng.randint(60, 400))
            if ended >= self.today:
                return
        self.add(child.index, organisation, rule.role, min(started, self.today), ended, rule.staff)

    def fill_quiet_services(self) -> None:
        """Give every service at least a handful of children, so each demo persona finds
        someone even in a small world (a sexual-health service sees 2% of teenagers, which
        in a 300-child world is nobody)."""
        for (position, organisation), passed_over in self.passed_over.items():
            missing = _MIN_ACTIVE - len(self.chosen[position, organisation])
            if missing > 0:
                for child in self.rng.sample(passed_over, min(missing, len(passed_over))):
                    self._apply(_RULES[position], organisation, child)
