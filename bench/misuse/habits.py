"""How each kind of user works: when, how much, and how often they break glass.

The numbers are the benchmark's assumptions, stated once here: most practitioners use the
directory on some days only and open a handful of records when they do; social workers and
data managers use it daily and more; two night teams (emergency duty, out-of-hours GPs) work
shifts and break glass routinely. Volume varies from day to day (log-normal), with the odd
busy day, holidays and sick days, a school half-term, and a few people who habitually
catch up in the evening or on a Saturday morning.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Habit:
    active: float  # chance of using the directory on a working day (or shift)
    volume: float  # median records looked up on an active day
    break_glass: float  # break-glass uses per active day (or shift)
    reopen: float = 0.2  # chance a record is opened again later that day
    caseload_share: float = 0.0  # of lookups, the share on the user's named caseload
    residence_share: float = 0.0  # of lookups, anyone living in the authority


HABITS = {
    "teacher": Habit(active=0.25, volume=2, break_glass=0.002),
    "gp": Habit(active=0.4, volume=3, break_glass=0.003),
    "health_visitor": Habit(active=0.7, volume=5, break_glass=0.004, caseload_share=0.8),
    "social_worker": Habit(
        active=0.85, volume=8, break_glass=0.01, caseload_share=0.4, residence_share=0.4
    ),
    "child_protection": Habit(
        active=0.8, volume=8, break_glass=0.02, caseload_share=0.4, residence_share=0.4
    ),
    "data_manager": Habit(active=0.9, volume=14, break_glass=0.0, residence_share=1.0),
    "youth_offending": Habit(active=0.5, volume=3, break_glass=0.005),
    "police": Habit(active=0.6, volume=4, break_glass=0.02),
    "emergency_duty": Habit(active=0.9, volume=6, break_glass=0.35, residence_share=1.0),
    "out_of_hours_gp": Habit(active=0.9, volume=2, break_glass=1.3),
    "supervisor": Habit(active=0.6, volume=0, break_glass=0.0),
    "auditor": Habit(active=0.5, volume=0, break_glass=0.0),
}
HALF_TERM = (date(2026, 10, 26), date(2026, 10, 30))


@dataclass(frozen=True)
class Rhythm:
    """One user's personal timetable: when their day starts and ends, and their quirks."""

    start: float
    end: float
    evenings: bool
    saturdays: bool
    night_offset: int
    away: frozenset


def rhythm_draw(rng: random.Random, *, first: date, days: int) -> Rhythm:
    holiday_start = first + timedelta(days=rng.randrange(days))
    holiday = {holiday_start + timedelta(days=n) for n in range(rng.choice((0, 0, 2, 3, 5)))}
    sick = {first + timedelta(days=n) for n in range(days) if rng.random() < 0.02}
    return Rhythm(
        start=rng.uniform(7.75, 9.5),
        end=rng.uniform(16.25, 18.75),
        evenings=rng.random() < 0.05,
        saturdays=rng.random() < 0.03,
        night_offset=rng.randrange(7),
        away=frozenset(holiday | sick),
    )


def works_night(rhythm: Rhythm, day: date) -> bool:
    """Night teams work four nights in seven, on a rota staggered across the team."""
    return (day.toordinal() + rhythm.night_offset) % 7 < 4


def is_school_holiday(day: date) -> bool:
    return HALF_TERM[0] <= day <= HALF_TERM[1]


def day_volume(rng: random.Random, habit: Habit) -> int:
    busy = 2.0 if rng.random() < 0.03 else 1.0
    return max(1, round(habit.volume * busy * rng.lognormvariate(0, 0.5)))


def office_hours(rng: random.Random, rhythm: Rhythm, count: int) -> list[float]:
    """``count`` times (hours) in the user's working day, thinner over lunch."""
    times = []
    while len(times) < count:
        hour = rng.uniform(rhythm.start, rhythm.end)
        if 12.5 <= hour < 13.25 and rng.random() < 0.7:
            continue
        times.append(hour)
    return sorted(times)
