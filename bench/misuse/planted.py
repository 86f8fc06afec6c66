"""Planted misuse: who misbehaves, how, and which detector ought to notice.

Each kind has a *tuned* shape — the one the detectors were written against — and *untuned*
variants their authors did not tune on, so the benchmark measures how the detectors
generalise rather than how well they remember. A planted user does one kind of misuse on
top of their ordinary work; the ground truth is who was planted, with what.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection

from .habits import HABITS, Rhythm
from .legit import in_scope_child, judge_delay, out_of_area_child
from .log import Log, moment
from .world import NAMED_CASELOAD, NIGHT_PROFILES, Person

DAY_READERS = ("teacher", "gp", "health_visitor", "social_worker", "child_protection",
               "police", "youth_offending")  # fmt: skip
AUTHORITY_READERS = ("social_worker", "child_protection", "data_manager")

# kind: (detectors that should raise it, tuned variants, untuned variants)
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "break_glass": (("break_glass_peers",), ("frequent",), ("night_team",)),
    "off_hours": (("off_hours",), ("night_burst",), ("evening_worker",)),
    "volume": (("volume_spike",), ("one_day",), ("three_days",)),
    "scraping_burst": (("scraping",), ("burst",), ("slow_day", "slow_own_org")),
    "scraping_walk": (("scraping",), ("alphabetical",), ("split_days",)),
    "scraping_blind": (("scraping",), ("blind",), ("blind_three_days",)),
    "shielded": (("shielded",), ("override_refused",), ("twice_an_hour",)),
    "own_family": (("own_family",), ("surname",), ("other_surname_same_postcode",
                                                    "common_surname")),
    "rubber_stamp": (("rubber_stamp",), ("within_90s",), ("within_5min",)),
    "collusion": (("collusion",), ("pair",), ("pair_other_surnames",)),
    "rejected_break_glass": (("judgements",), ("rejected",), ("escalated",)),
}  # fmt: skip

# Kinds written down (docs/misuse-review.md, "Planted kinds nobody built a detector for")
# before any detector or threshold was made for them (issue 21). No detector is theirs:
# a planted user counts as found when any alert at all is raised about them. Each is done
# by a user of local-authority children's services, the only users who can open a child
# nobody in their organisation works with (residence puts the authority's children in
# their scope), so each lookup is explained by residence alone.
NEW_KINDS: dict[str, tuple[str, ...]] = {
    # A slow drip: 4-6 children a day nobody in the user's organisation works with, on 10
    # of the evaluated working days, in working hours, on top of the user's ordinary work.
    "drip": ("ten_days",),
    # A child in the news: 5-7 users of one authority's children's services, none with any
    # relation to the child, each open the same child once or twice within two days.
    "newsworthy_child": ("one_child_many_users",),
    # Watching a household (an ex-partner's new family): the 2-3 children of one household
    # opened, one or two at a time, on 5-8 different days of the month.
    "household_watch": ("siblings_over_weeks",),
}
GROUPS = {"collusion": 2, "newsworthy_child": 6}


@dataclass
class Planted:
    """Ground truth: user id -> (kind, variant)."""

    subjects: dict[int, tuple[str, str]] = field(default_factory=dict)


@dataclass
class Context:
    log: Log
    rng: random.Random
    days: list[date]  # the evaluated working days (misuse happens on these)
    rhythms: dict[int, Rhythm]

    @property
    def world(self):
        return self.log.world


def misuse_plant(ctx: Context, *, rate: float, variants: str) -> Planted:
    """Choose ``rate`` of users for each kind and write their misuse into ``ctx.log``.
    Variants take turns; each planted user (or colluding pair) does one kind only."""
    planted = Planted()
    people = list(ctx.world.people)
    ctx.rng.shuffle(people)
    count = max(2, round(rate * len(people)))
    kinds = {**KINDS, **{kind: ((), (), shapes) for kind, shapes in NEW_KINDS.items()}}
    for kind, (_detectors, tuned, untuned) in kinds.items():
        if kind in NEW_KINDS:
            shapes = untuned
        else:
            shapes = {"tuned": tuned, "untuned": untuned, "both": tuned + untuned}[variants]
        plant, eligible = PLANTERS[kind]
        group = GROUPS.get(kind, 1)
        for n in range(count // group):
            variant = shapes[n % len(shapes)]
            members = _choose(ctx, people, planted, eligible, variant, group)
            if members:
                plant(ctx, members, variant)
                planted.subjects.update({m.id: (kind, variant) for m in members})
    return planted


def _choose(ctx, people, planted, eligible, variant, group) -> list[Person]:
    """The next unplanted eligible user, and for a pair an eligible colleague of theirs."""
    free = (p for p in people if p.id not in planted.subjects and eligible(ctx, p, variant))
    first = next(free, None)
    if first is None or group == 1:
        return [first] if first else []
    if group == 2:
        mate = next((p for p in free if p.org_id == first.org_id), None)
        return [first, mate] if mate else []
    others = [p for p in free if p.la == first.la][: group - 1]
    return [first, *others] if len(others) == group - 1 else []


def _day_reader(ctx: Context, p: Person, variant: str = "") -> bool:
    return p.profile in DAY_READERS and p.supervisor_id is not None


def _user_update(person: Person, **fields) -> None:
    """Give a planted user the household that makes their misuse personal."""
    for name, value in fields.items():
        setattr(person, name, value)
    sets = ", ".join(f"{name} = %s" for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE access_user SET {sets} WHERE id = %s", [*fields.values(), person.id]
        )


# --- the kinds --------------------------------------------------------------------------------


def _break_glass(ctx: Context, members: list[Person], variant: str) -> None:
    """Breaking glass far more than peers; the untuned variant hides in a night team, whose
    peers break glass every shift."""
    (person,) = members
    judge = ctx.world.by_id[person.supervisor_id]
    uses = ctx.rng.randint(8, 14) if variant == "frequent" else ctx.rng.randint(6, 10)
    for day in ctx.rng.sample(ctx.days, min(uses, len(ctx.days))):
        hour = ctx.rng.uniform(9.5, 16.5) if variant == "frequent" else ctx.rng.uniform(20, 23)
        when = moment(day, hour)
        child = out_of_area_child(ctx.world, ctx.rng, person)
        ctx.log.break_glass(person, when, child, judge=judge,
                            judged_after=judge_delay(ctx.rng, judge, when))  # fmt: skip


def _off_hours(ctx: Context, members: list[Person], variant: str) -> None:
    """A burst of lookups late at night by a daytime worker; the untuned variant is done by
    someone who does some evening work anyway."""
    (person,) = members
    day = ctx.rng.choice(ctx.days)
    for n in range(ctx.rng.randint(12, 25)):
        child = _curious_child(ctx, person)
        ctx.log.lookup(person, moment(day, 22.2 + n * 0.05), child, opened=True, rng=ctx.rng)


def _curious_child(ctx: Context, person: Person) -> int:
    child = in_scope_child(ctx.world, ctx.rng, person)
    if child is None or ctx.rng.random() < 0.3:
        span = ctx.world.la_children[person.la]
        child = ctx.rng.randrange(span.start, span.stop)
    return child


def _volume(ctx: Context, members: list[Person], variant: str) -> None:
    """Harvesting within scope: one day at six to ten times the usual volume, or (untuned)
    three days running at two and a half times."""
    (person,) = members
    habit = HABITS[person.profile]
    rhythm = ctx.rhythms[person.id]
    start = ctx.rng.randrange(len(ctx.days) - 3)
    days = ctx.days[start : start + (1 if variant == "one_day" else 3)]
    factor = ctx.rng.uniform(6, 10) if variant == "one_day" else 2.5
    for day in days:
        count = max(30, round(habit.volume * factor))
        for n in range(count):
            hour = rhythm.start + (rhythm.end - rhythm.start) * n / count
            child = _curious_child(ctx, person)
            ctx.log.lookup(person, moment(day, hour), child, opened=True, rng=ctx.rng)


def _scraping_burst(ctx: Context, members: list[Person], variant: str) -> None:
    """Copying records: fast in one sitting, or (untuned) slowly all day, or slowly through
    the user's own organisation's children, which the data explains."""
    (person,) = members
    day, rng, world = ctx.rng.choice(ctx.days), ctx.rng, ctx.world
    if variant == "burst":
        count, gap, start = rng.randint(40, 80), (5, 15), rng.uniform(10, 15)
    else:
        count, gap, start = rng.randint(90, 140), (150, 300), 9.0
    if variant == "slow_own_org":
        pool = world.org_children.get(person.org_id) or list(world.la_children[person.la])
    else:
        pool = list(world.la_children[person.la])
    when = moment(day, start)
    for child in rng.sample(pool, min(count, len(pool))):
        if rng.random() < 0.2:
            ctx.log.search(person, when, {"family_name": world.child_family[child]}, [child])
        ctx.log.view(person, when + timedelta(seconds=2), child)
        when += timedelta(seconds=rng.uniform(*gap))


def _scraping_walk(ctx: Context, members: list[Person], variant: str) -> None:
    """Walking the alphabet of family names; untuned: the walk split over three days."""
    (person,) = members
    rng, world = ctx.rng, ctx.world
    span = world.la_children[person.la]
    names = sorted({world.child_family[rng.randrange(span.start, span.stop)] for _ in range(60)})
    if variant == "alphabetical":
        per_day = [names[: rng.randint(15, 35)]]
    else:
        per_day = [names[0:8], names[8:16], names[16:24]]
    start = rng.randrange(len(ctx.days) - 3)
    for day, chunk in zip(ctx.days[start:], per_day, strict=False):
        when = moment(day, rng.uniform(10, 15))
        for name in chunk:
            ctx.log.search(person, when, {"family_name": name}, [])
            when += timedelta(seconds=rng.uniform(20, 90))


def _scraping_blind(ctx: Context, members: list[Person], variant: str) -> None:
    """Searching to learn who exists, opening nothing; untuned: fewer a day, three days."""
    (person,) = members
    rng = ctx.rng
    if variant == "blind":
        days, per_day = [rng.choice(ctx.days)], (40, 80)
    else:
        days, per_day = rng.sample(ctx.days, 3), (18, 26)
    for day in days:
        when = moment(day, rng.uniform(9.5, 14))
        for _ in range(rng.randint(*per_day)):
            name = rng.choice(string.ascii_uppercase) + "".join(rng.choices("aeiounrstlm", k=5))
            born = date(2010, 1, 1) + timedelta(days=rng.randrange(3000))
            criteria = {"family_name": name, "date_of_birth": born.isoformat()}
            ctx.log.search(person, when, criteria, [])
            when += timedelta(seconds=rng.uniform(30, 200))


def _shielded(ctx: Context, members: list[Person], variant: str) -> None:
    """Trying to get past a shield: an override refused; untuned: the identity-only record
    opened twice an hour for an afternoon, never three times in one hour."""
    (person,) = members
    rng, world = ctx.rng, ctx.world
    child = rng.choice(world.shielded)
    day = rng.choice(ctx.days)
    if variant == "override_refused":
        ctx.log.add(person, moment(day, rng.uniform(10, 16)), "shield_denied", "refused",
                    child_public_id=world.child_public[child])  # fmt: skip
        return
    for hour in range(13, 17):
        for minute in (5, 40):
            ctx.log.view(person, moment(day, hour + minute / 60), child)


def _own_family(ctx: Context, members: list[Person], variant: str) -> None:
    """Looking up a relative: a child with the user's (rare) surname; untuned: a relative
    with another surname at the user's address, or one with a common surname.

    The relative is in the user's scope — their organisation's child, or living in their
    authority — since search shows nobody else: the data explains the lookup, which is what
    makes it hard to tell from work."""
    (person,) = members
    rng, world = ctx.rng, ctx.world
    for _ in range(10_000):
        child = in_scope_child(world, rng, person)
        common = world.is_common(world.child_family[child])
        if (
            common == (variant == "common_surname")
            and world.child_family[child] != person.last_name
            and child not in person.caseload
        ):
            break
    if variant == "other_surname_same_postcode":
        _user_update(person, home_postcode=world.child_postcode[child])
    else:
        _user_update(person, last_name=world.child_family[child])
    day = rng.choice(ctx.days)
    for n in range(rng.randint(1, 3)):
        ctx.log.lookup(person, moment(day, 12.1 + n * 0.1), child, opened=True, rng=rng)


def _rubber_stamp(ctx: Context, members: list[Person], variant: str) -> None:
    """Endorsing the team's break-glass without reading it: within 90 s, or (untuned) within
    five minutes, which the detector's two-minute median does not reach."""
    (judge,) = members
    team = [ctx.world.by_id[i] for i in judge.team]
    rng = ctx.rng
    for n in range(rng.randint(8, 12)):
        person = team[n % len(team)]
        when = moment(rng.choice(ctx.days), rng.uniform(9.5, 16))
        delay = rng.uniform(20, 90) if variant == "within_90s" else rng.uniform(150, 300)
        child = out_of_area_child(ctx.world, rng, person)
        ctx.log.break_glass(person, when, child, judge=judge, judged_after=delay)


def _collusion(ctx: Context, members: list[Person], variant: str) -> None:
    """Two colleagues break glass on each other's household; untuned: the households' children
    carry another surname (a partner's), so the family-name link is missing."""
    rng, world = ctx.rng, ctx.world
    homes = []
    for person in members:
        scope = set(world.org_children.get(person.org_id, ()))
        child = rng.choice([c for c in (rng.randrange(len(world.child_public)) for _ in range(50))
                            if c not in scope])  # fmt: skip
        fields = {"home_postcode": world.child_postcode[child]}
        if variant == "pair":
            fields["last_name"] = world.child_family[child]
        _user_update(person, **fields)
        homes.append(child)
    for helper, child in ((members[0], homes[1]), (members[1], homes[0])):
        judge = world.by_id[helper.supervisor_id]
        when = moment(rng.choice(ctx.days), rng.uniform(10, 16))
        ctx.log.break_glass(helper, when, child, judge=judge,
                            judged_after=judge_delay(rng, judge, when))  # fmt: skip


def _rejected(ctx: Context, members: list[Person], variant: str) -> None:
    """Break-glass the supervisor rejects; untuned: nobody judges it and it escalates."""
    (person,) = members
    judge = ctx.world.by_id[person.supervisor_id]
    when = moment(ctx.rng.choice(ctx.days[:-4]), ctx.rng.uniform(10, 16))
    child = out_of_area_child(ctx.world, ctx.rng, person)
    if variant == "rejected":
        delay = ctx.rng.uniform(3600, 20000)
        ctx.log.break_glass(person, when, child, judge=judge, judged_after=delay,
                            judgement="rejected")  # fmt: skip
    else:
        ctx.log.break_glass(person, when, child, judge=None, judged_after=None,
                            judgement="escalated")  # fmt: skip


def _residence_child(ctx: Context, person: Person) -> int:
    """A child of the user's authority whom no organisation of theirs works with.

    Nor, since ordinary work opens cases during the month (``traces.py``), one for whom or
    for whose household such a case opens: the kinds below are lookups nothing in the data
    connects the user to, and the synthetic world is dense enough that most children get a
    case within weeks, far more than a real authority's (docs/performance.md, session 10)."""
    world = ctx.world
    span = world.la_children[person.la]
    own = set(world.org_children.get(person.org_id, ()))
    while True:
        child = ctx.rng.randrange(span.start, span.stop)
        if child in own or child in person.caseload:
            continue
        family = world.child_family[child]
        household = [c for c in world.postcode_children[world.child_postcode[child]]
                     if world.child_family[c] == family]  # fmt: skip
        if not world.case_children.intersection(household):
            return child


def _drip(ctx: Context, members: list[Person], variant: str) -> None:
    """A few unexplained children a day on ten days: each day under every volume rule."""
    (person,) = members
    rng, rhythm = ctx.rng, ctx.rhythms[person.id]
    for day in rng.sample(ctx.days, min(10, len(ctx.days))):
        for _ in range(rng.randint(4, 6)):
            hour = rng.uniform(rhythm.start, rhythm.end)
            ctx.log.lookup(person, moment(day, hour), _residence_child(ctx, person),
                           opened=True, rng=rng)  # fmt: skip


def _newsworthy_child(ctx: Context, members: list[Person], variant: str) -> None:
    """Several users of one authority open the same child, nobody's case, within two days."""
    rng = ctx.rng
    child = _residence_child(ctx, members[0])
    while child in set(ctx.world.shielded) or any(
        child in set(ctx.world.org_children.get(m.org_id, ())) for m in members
    ):
        child = _residence_child(ctx, members[0])
    start = rng.randrange(len(ctx.days) - 1)
    for person in members:
        day = ctx.days[start + rng.randrange(2)]
        when = moment(day, rng.uniform(9.5, 16.5))
        for n in range(rng.choice((1, 1, 2))):
            ctx.log.lookup(person, when + timedelta(minutes=40 * n), child, opened=True,
                           rng=rng)  # fmt: skip


def _household_watch(ctx: Context, members: list[Person], variant: str) -> None:
    """The children of one household, a sibling or two at a time, on five to eight days."""
    (person,) = members
    rng, world = ctx.rng, ctx.world
    household: list[int] = []
    while len(household) < 2:
        child = _residence_child(ctx, person)
        postcode, family = world.child_postcode[child], world.child_family[child]
        household = [c for c in world.postcode_children[postcode]
                     if world.child_family[c] == family]  # fmt: skip
    for day in rng.sample(ctx.days, rng.randint(5, 8)):
        hour = rng.uniform(9.5, 16.5)
        for n, child in enumerate(rng.sample(household, rng.randint(1, min(2, len(household))))):
            ctx.log.lookup(person, moment(day, hour + n * 0.05), child, opened=True, rng=rng)


def _authority_reader(ctx: Context, p: Person, variant: str) -> bool:
    return p.profile in AUTHORITY_READERS


def _supervisor_with_team(ctx: Context, p: Person, variant: str) -> bool:
    return p.profile == "supervisor" and p.leads in DAY_READERS and len(p.team) >= 4


def _breaker(ctx: Context, p: Person, variant: str) -> bool:
    night = p.profile in NIGHT_PROFILES
    return p.supervisor_id is not None and (night if variant == "night_team" else
                                            p.profile in DAY_READERS)  # fmt: skip


def _late_worker(ctx: Context, p: Person, variant: str) -> bool:
    evenings = ctx.rhythms[p.id].evenings
    return _day_reader(ctx, p) and evenings == (variant == "evening_worker")


def _heavy_reader(ctx: Context, p: Person, variant: str) -> bool:
    return p.profile in NAMED_CASELOAD or p.profile == "data_manager"


def _scraper(ctx: Context, p: Person, variant: str) -> bool:
    if variant == "slow_own_org":
        return p.profile in ("gp", "teacher")
    return p.profile in AUTHORITY_READERS


def _colleague(ctx: Context, p: Person, variant: str) -> bool:
    return p.profile in ("teacher", "gp") and p.supervisor_id is not None


PLANTERS: dict[str, tuple[Callable, Callable[[Context, Person, str], bool]]] = {
    "break_glass": (_break_glass, _breaker),
    "off_hours": (_off_hours, _late_worker),
    "volume": (_volume, _heavy_reader),
    "scraping_burst": (_scraping_burst, _scraper),
    "scraping_walk": (_scraping_walk, _day_reader),
    "scraping_blind": (_scraping_blind, _day_reader),
    "shielded": (_shielded, _day_reader),
    "own_family": (_own_family, _day_reader),
    "rubber_stamp": (_rubber_stamp, _supervisor_with_team),
    "collusion": (_collusion, _colleague),
    "rejected_break_glass": (_rejected, _day_reader),
    "drip": (_drip, _authority_reader),
    "newsworthy_child": (_newsworthy_child, _authority_reader),
    "household_watch": (_household_watch, _authority_reader),
}
