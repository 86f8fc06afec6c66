"""Legitimate work: every user's days, following their habits (``habits.py``).

A day worker signs in, searches for children in their scope and opens most of what they
find, between their own start and finish times; supervisors read their queue and judge their
team's break-glass some time later; night teams work rota shifts and break glass for
children outside their area. Nothing here is misuse, so every alert it causes is a false
alarm.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from .habits import (
    HABITS,
    Rhythm,
    day_volume,
    is_school_holiday,
    office_hours,
    rhythm_draw,
    works_night,
)
from .log import Log, moment
from .traces import trace_leave
from .world import NIGHT_PROFILES, Person, World


def rhythms_draw(world: World, *, first: date, days: int, seed: int) -> dict[int, Rhythm]:
    rng = random.Random(seed)
    return {p.id: rhythm_draw(rng, first=first, days=days) for p in world.people}


def legit_history(
    log: Log, rhythms: dict[int, Rhythm], *, first: date, days: int, seed: int, forced=None
) -> None:
    """Write every user's ``days`` days from ``first``.

    ``forced`` (the one-day scale mode) makes every reader active, with ``forced(rng)``
    lookups whatever their habits."""
    rng = random.Random(seed)
    log.trace_rng.seed(seed + 2)
    for offset in range(days):
        day = first + timedelta(days=offset)
        for person in log.world.people:
            person_day(log, rng, person, rhythms[person.id], day, forced)


def person_day(log: Log, rng, person: Person, rhythm: Rhythm, day: date, forced=None) -> None:
    habit = HABITS[person.profile]
    weekend = day.weekday() >= 5
    if person.profile in NIGHT_PROFILES:
        if (forced or works_night(rhythm, day)) and rng.random() < habit.active:
            _night_shift(log, rng, person, day)
        return
    if forced is None:
        if day in rhythm.away or (person.profile == "teacher" and is_school_holiday(day)):
            return
        if weekend:
            if rhythm.saturdays and day.weekday() == 5 and rng.random() < 0.25:
                hours = sorted(rng.uniform(9, 12) for _ in range(rng.randint(1, 5)))
                _lookups(log, rng, person, [moment(day, h) for h in hours])
            return
        if rng.random() >= habit.active:
            return
    log.add(person, moment(day, rhythm.start - 0.05), "login")
    if person.profile == "supervisor":
        for hour in office_hours(rng, rhythm, rng.randint(1, 3)):
            log.add(person, moment(day, hour), "supervision_view")
        return
    if person.profile == "auditor":
        log.add(person, moment(day, rhythm.start + 0.5), "alert_queue_view")
        return
    count = forced(rng) if forced else day_volume(rng, habit)
    hours = office_hours(rng, rhythm, count)
    if rhythm.evenings and rng.random() < 0.3:
        hours += [rng.uniform(20.0, 21.75) for _ in range(rng.randint(1, 3))]
    _lookups(log, rng, person, [moment(day, h) for h in hours])
    breaks = _poisson(rng, habit.break_glass)
    for hour in office_hours(rng, rhythm, breaks):
        _break_glass(log, rng, person, moment(day, hour))


def _night_shift(log: Log, rng, person: Person, day: date) -> None:
    """19:00 to 07:00: lookups in the area (emergency duty) and break-glass beyond it."""
    habit = HABITS[person.profile]
    log.add(person, moment(day, 18.9), "login")
    hours = sorted(rng.uniform(19, 31) for _ in range(day_volume(rng, habit)))
    if person.profile == "emergency_duty":
        _lookups(log, rng, person, [moment(day, h) for h in hours])
    for _ in range(_poisson(rng, habit.break_glass)):
        _break_glass(log, rng, person, moment(day, rng.uniform(19, 31)))


def _lookups(log: Log, rng, person: Person, times) -> None:
    opened = []
    for when in times:
        child, resident = in_scope_draw(log.world, rng, person)
        if child is None:
            return
        is_open = rng.random() < 0.88
        log.lookup(person, when, child, opened=is_open, rng=rng)
        if is_open:
            opened.append((when, child))
            if resident:
                trace_leave(log, log.trace_rng, person, when, child)
    for when, child in opened:
        if rng.random() < HABITS[person.profile].reopen:
            log.view(person, when + timedelta(minutes=rng.uniform(20, 180)), child)
    if person.profile == "data_manager" and opened and rng.random() < 0.1:
        la_shielded = [c for c in log.world.shielded if log.world.child_la[c] == person.la]
        if la_shielded:
            log.view(person, opened[-1][0] + timedelta(minutes=5), rng.choice(la_shielded),
                     action="shield_full_view")  # fmt: skip


def in_scope_child(world: World, rng, person: Person) -> int | None:
    """A child the user has a reason to look up: their caseload, their organisation's
    children, or (children's services) anyone living in the authority."""
    return in_scope_draw(world, rng, person)[0]


def in_scope_draw(world: World, rng, person: Person) -> tuple[int | None, bool]:
    """``in_scope_child``, and whether the child was drawn from the authority's residents
    (the lookups whose follow-up ``traces.py`` writes)."""
    habit = HABITS[person.profile]
    draw = rng.random()
    if person.caseload and draw < habit.caseload_share:
        return rng.choice(person.caseload), False
    if draw < habit.caseload_share + habit.residence_share:
        span = world.la_children[person.la]
        return rng.randrange(span.start, span.stop), True
    pool = world.org_children.get(person.org_id)
    return (rng.choice(pool) if pool else None), False


def out_of_area_child(world: World, rng, person: Person) -> int:
    """A child living in another authority: out of scope for anyone here."""
    la = (person.la + rng.randrange(1, len(world.authorities))) % len(world.authorities)
    span = world.la_children[la]
    return rng.randrange(span.start, span.stop)


def _break_glass(log: Log, rng, person: Person, when) -> None:
    judge = log.world.by_id.get(person.supervisor_id)
    if judge is None:
        return
    delay = judge_delay(rng, judge, when)
    log.break_glass(person, when, out_of_area_child(log.world, rng, person), judge=judge,
                    judged_after=delay, views=rng.choice((1, 1, 2)))  # fmt: skip


def judge_delay(rng, judge: Person, when) -> float:
    """Seconds from access to judgement: hours, next morning for a night's uses; a few
    conscientious supervisors read and judge within a quarter of an hour."""
    if judge.id % 10 == 0:
        return rng.uniform(300, 900)
    local = when.hour + when.minute / 60
    if local >= 17 or local < 8:
        until_morning = ((24 + 9 - local) % 24) * 3600
        return until_morning + rng.uniform(0, 3 * 3600)
    return rng.lognormvariate(9.0, 0.8)


def _poisson(rng, mean: float) -> int:
    count, threshold, product = 0, pow(2.718281828, -mean), rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count
