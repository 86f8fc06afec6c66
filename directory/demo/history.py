"""A month of the demo personas' lookups, with a few planted cases of misuse for review.

Misuse review learns each user's habits from the log, so an empty log has nothing to review
and nothing to show. This writes, back-dated, the month a real team would have left behind —
searches and record views of children the personas' organisations work with, in working
hours on weekdays — and plants five cases the detectors should raise, each about a different
persona so that each reviewer has something in their queue:

- ``teacher.b`` searches three times for their own family name (own_family, medium →
  ``supervisor.schools``);
- ``teacher.a`` opens a dozen pupils' records late at night (off_hours, medium →
  ``supervisor.schools``);
- ``cp.lead`` opens one shielded child's identity-only record again and again (shielded,
  medium → ``supervisor.la``);
- ``socialworker`` opens the records of the children of a household at their own home
  postcode (own_family, high → auditors);
- ``gp.a`` opens thirty records in six minutes (scraping, high → auditors).

Everything comes from the world's rows and one generator seeded from the world's seed, so
the same seed gives the same month, anchored on the day it is loaded (windows are reviewed
only once they have ended). The events go through ``audit.writer``'s synthetic-history
loader, which only development and test settings accept; nothing here reads the directory.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from access.models import CHILD_READER_ROLES, User
from audit.models import AccessEvent
from audit.writer import Actor, PastEvent, access_events_load_synthetic
from directory.models import Child, Organisation

from .blueprint import ChildRow, Persona, World

DAYS = 30
USER_AGENT = "Mozilla/5.0 (demo history)"
SEARCH, VIEW = AccessEvent.Action.SEARCH, AccessEvent.Action.VIEW
SHOWN, NOT_FOUND = AccessEvent.Outcome.SHOWN, AccessEvent.Outcome.NOT_FOUND
ORDINARY_PURPOSES = ("current_involvement", "referral", "safeguarding_concern")
CARING, CONCERN = "current_involvement", "safeguarding_concern"
# Who is planted doing what, and how many working days before the load (see the module
# docstring). Working days, so that only the off-hours case happens out of hours.
OWN_NAME, OFF_HOURS, SHIELDED, HOME_POSTCODE, SCRAPING = (
    ("teacher.b", 2),
    ("teacher.a", 1),
    ("cp.lead", 5),
    ("socialworker", 4),
    ("gp.a", 3),
)
PLANTED = (OWN_NAME, OFF_HOURS, SHIELDED, HOME_POSTCODE, SCRAPING)
# Who sees each planted alert in their queue (the auditors see every one), for the README.
REVIEWERS = {
    OWN_NAME[0]: "supervisor.schools",
    OFF_HOURS[0]: "supervisor.schools",
    SHIELDED[0]: "supervisor.la",
    HOME_POSTCODE[0]: "auditor",
    SCRAPING[0]: "auditor",
}


@dataclass(frozen=True)
class HistoryReport:
    events: int
    planted: tuple[str, ...]


@dataclass
class _Person:
    persona: Persona
    actor: Actor
    children: list[ChildRow]


def history_load(*, world: World, today: date) -> HistoryReport:
    """Write the month before ``today`` to the audit log (in the caller's transaction), and
    give ``socialworker`` the home postcode their planted lookup needs."""
    rng = random.Random(f"demo-history:{world.seed}")  # noqa: S311 (reproducible demo data)
    people = _people(world, rng, today)
    home = _home_postcode_children(world, people.get(HOME_POSTCODE[0]))
    if home:
        User.objects.filter(username=HOME_POSTCODE[0]).update(home_postcode=home[0].postcode)
    events = list(_ordinary(people, rng, today, home[0].postcode if home else None))
    planted, staged = _planted(people, world, rng, today, home)
    events = sorted(events + planted, key=lambda event: event.occurred_at)
    loaded = access_events_load_synthetic(events)
    return HistoryReport(events=loaded, planted=staged)


def history_allowed() -> bool:
    """Back-dated events are fiction: only deployments that say they hold synthetic data
    (development, test) take them."""
    return settings.AUDIT_SYNTHETIC_HISTORY_ALLOWED


def _people(world: World, rng: random.Random, today: date) -> dict[str, _Person]:
    """The personas who read children's records and pass vetting, with the children their
    organisation sees (unshielded, active, and not sharing the persona's family name: a
    coincidence there would plant a case nobody meant to)."""
    users = {
        user.username: user
        for user in User.objects.filter(username__in=[p.username for p in world.personas])
    }
    scope = _scope(world)
    people = {}
    for number, persona in enumerate(world.personas):
        user = users[persona.username]
        if not _may_search(world, persona, today):
            continue
        children = [
            world.children[index]
            for index in sorted(scope.get(persona.organisation, ()))
            if _ordinary_child(world.children[index], persona)
        ]
        if not children:
            continue
        actor = Actor(
            user_id=user.pk,
            username=user.username,
            role=user.role,
            organisation_id=user.organisation_id,
            ip_address=f"10.20.{number}.{rng.randint(2, 250)}",
            user_agent=USER_AGENT,
        )
        people[persona.username] = _Person(persona=persona, actor=actor, children=children)
    return people


def _scope(world: World) -> dict[str, set[int]]:
    """Children each organisation sees today: open involvements, and for children's services
    everyone living in their authority (the rule the gateway applies in SQL)."""
    scope: dict[str, set[int]] = defaultdict(set)
    for involvement in world.involvements:
        if involvement.ended_on is None:
            scope[involvement.organisation].add(involvement.child)
    services = {
        row.local_authority: row.code
        for row in world.organisations
        if row.kind == Organisation.Kind.LA_CHILDRENS_SERVICES
    }
    for index, child in enumerate(world.children):
        if child.local_authority in services:
            scope[services[child.local_authority]].add(index)
    return scope


def _may_search(world: World, persona: Persona, today: date) -> bool:
    """Only people whose searches succeed leave a history of lookups (vetting: a current
    DBS check and an accredited organisation)."""
    dbs_age = (today - persona.dbs_checked_on).days
    return (
        persona.role in CHILD_READER_ROLES
        and dbs_age < settings.VETTING_DBS_VALID_DAYS
        and any(row.code == persona.organisation and row.accredited for row in world.organisations)
    )


def _ordinary_child(child: ChildRow, persona: Persona) -> bool:
    return (
        child.status == Child.Status.ACTIVE
        and not child.shielded
        and child.family_name.casefold() != persona.family_name.casefold()
    )


def _home_postcode_children(world: World, person: _Person | None) -> list[ChildRow]:
    """The children at the planted home postcode: among the social worker's children not on
    their own caseload (a caseload explains any lookup), those of the postcode fewest
    children share where two or more of them live, so that the planted lookups are nearly
    the only matches. Two, not one: in a demo authority of a few hundred children one
    neighbour opened is a coincidence of about one in 500, which ``own_family`` rightly does
    not raise (issue 21, session 13); a household opened together is not. A world with no
    such postcode plants the single child, as before."""
    if person is None:
        return []
    per_postcode: dict[str, int] = defaultdict(int)
    for child in world.children:
        per_postcode[child.postcode] += 1
    caseload = {
        world.children[row.child].public_id
        for row in world.involvements
        if row.practitioner and row.practitioner == person.persona.practitioner
    }
    candidates = [child for child in person.children if child.public_id not in caseload]
    households: dict[str, list[ChildRow]] = defaultdict(list)
    for child in candidates:
        households[child.postcode].append(child)
    shared = [children for children in households.values() if len(children) >= 2]
    if shared:
        return min(shared, key=lambda children: per_postcode[children[0].postcode])
    single = min(candidates, key=lambda child: per_postcode[child.postcode], default=None)
    return [single] if single else []


def _working_day_before(today: date, count: int) -> date:
    """The ``count``-th weekday before ``today``."""
    day = today
    while count:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def _at(day: date, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=ZoneInfo(settings.TIME_ZONE))


def _search(person: _Person, moment: datetime, child: ChildRow, purpose: str, **extra):
    criteria = {"family_name": child.family_name, **extra}
    return PastEvent(
        occurred_at=moment,
        actor=person.actor,
        action=SEARCH,
        outcome=SHOWN,
        purpose=purpose,
        criteria=criteria,
        result_ids=(child.public_id,),
    )


def _view(person: _Person, moment: datetime, child: ChildRow, purpose: str, outcome=SHOWN):
    return PastEvent(
        occurred_at=moment,
        actor=person.actor,
        action=VIEW,
        outcome=outcome,
        purpose=purpose,
        child_public_id=child.public_id,
    )


def _ordinary(
    people: dict[str, _Person], rng: random.Random, today: date, home_postcode: str | None
) -> Iterator[PastEvent]:
    """Weekday working-hours lookups: a search by family name and date of birth, then the
    record a minute or two later. Each planted persona has their planted day off, so the
    planted case stands on its own."""
    planted_days = {(name, _working_day_before(today, ago)) for name, ago in PLANTED}
    for offset in range(DAYS, 0, -1):
        day = today - timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for name, person in people.items():
            if (name, day) in planted_days:
                continue
            for _ in range(rng.randint(1, 5)):
                child = rng.choice(person.children)
                if child.postcode == home_postcode:
                    continue
                purpose = rng.choice(ORDINARY_PURPOSES)
                start = _at(day, rng.randint(8, 16), rng.randint(0, 59), rng.randint(0, 59))
                born = child.date_of_birth.isoformat()
                yield _search(person, start, child, purpose, date_of_birth=born)
                yield _view(person, start + timedelta(seconds=rng.randint(15, 150)), child, purpose)


def _planted(
    people: dict[str, _Person], world: World, rng: random.Random, today: date, home: list[ChildRow]
) -> tuple[list[PastEvent], tuple[str, ...]]:
    """The five planted cases, and who was planted; a case a small world cannot stage (too
    few children, no shielded child in Leeds) is left out rather than faked."""
    cases = (
        (OWN_NAME, lambda person, day: _own_name_searches(person, day, rng)),
        (OFF_HOURS, lambda person, day: _night_lookups(person, day, rng)),
        (SHIELDED, lambda person, day: _shielded_repeats(person, day, rng, world)),
        (HOME_POSTCODE, lambda person, day: _home_lookup(person, day, home)),
        (SCRAPING, lambda person, day: _scrape(person, day, rng, world)),
    )
    events: list[PastEvent] = []
    staged = []
    for (username, working_days_ago), stage in cases:
        if username in people:
            found = stage(people[username], _working_day_before(today, working_days_ago))
            events += found
            staged += [username] if found else []
    return events, tuple(staged)


def _own_name_searches(person: _Person, day: date, rng: random.Random) -> list[PastEvent]:
    """Three searches for the persona's own family name, none in their school's scope."""
    return [
        PastEvent(
            occurred_at=_at(day, 12, 41 + number * 2, rng.randint(0, 59)),
            actor=person.actor,
            action=SEARCH,
            outcome=NOT_FOUND,
            purpose=CARING,
            criteria={"family_name": person.persona.family_name, "date_of_birth": born},
        )
        for number, born in enumerate(("2014-06-02", "2016-11-19", "2012-01-30"))
    ]


def _night_lookups(person: _Person, day: date, rng: random.Random) -> list[PastEvent]:
    """A dozen pupils' records, one every four minutes from 22:05."""
    events = []
    for number, child in enumerate(rng.sample(person.children, min(12, len(person.children)))):
        moment = _at(day, 22, 5 + number * 4, rng.randint(0, 59))
        events.append(_search(person, moment, child, CARING))
        events.append(_view(person, moment + timedelta(seconds=40), child, CARING))
    return events


def _shielded_repeats(
    person: _Person, day: date, rng: random.Random, world: World
) -> list[PastEvent]:
    """One shielded child's identity-only record, four times in half an hour."""
    shielded = next(
        (
            child
            for child in _all_in_scope(world, person)
            if child.shielded and child.status == Child.Status.ACTIVE
        ),
        None,
    )
    if shielded is None:
        return []
    return [
        _view(person, _at(day, 15, 10 + number * 9, rng.randint(0, 59)), shielded, CONCERN)
        for number in range(4)
    ]


def _home_lookup(person: _Person, day: date, home: list[ChildRow]) -> list[PastEvent]:
    """For each child at the persona's own postcode, a search by family name and that
    postcode, then the record."""
    events = []
    for number, child in enumerate(home):
        moment = _at(day, 13, 17 + number * 3, 8)
        events.append(_search(person, moment, child, CONCERN, postcode=child.postcode))
        events.append(_view(person, moment + timedelta(seconds=55), child, CONCERN))
    return events


def _scrape(person: _Person, day: date, rng: random.Random, world: World) -> list[PastEvent]:
    """Thirty records of children across the authority, seconds apart: most are not the
    practice's, so most come back "not found" (which is still a lookup)."""
    seen = {child.public_id for child in person.children}
    authority = next(
        row.local_authority
        for row in world.organisations
        if row.code == person.persona.organisation
    )
    area = [child for child in world.children if child.local_authority == authority]
    moment = _at(day, 14, 2, 0)
    events = []
    for child in rng.sample(area, min(30, len(area))):
        moment += timedelta(seconds=rng.randint(7, 15))
        outcome = SHOWN if child.public_id in seen else NOT_FOUND
        events.append(_view(person, moment, child, CARING, outcome))
    return events


def _all_in_scope(world: World, person: _Person) -> list[ChildRow]:
    """Every child the persona's organisation sees, shielded ones included."""
    indexes = _scope(world).get(person.persona.organisation, set())
    return [world.children[index] for index in sorted(indexes)]
