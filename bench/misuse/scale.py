"""Scale mode: one working day for hundreds of thousands of users, and the time the review
takes over it (goal: a day for 300,000 users in under ten minutes on two cores).

The day is reviewed as it would be in steady state, with four weeks of per-user activity
already rolled up (``ActivityDay``, the baselines' memory), written directly with SQL since
it is the review's own derived table; the log itself holds only the day's events.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.db import connection

from .legit import legit_history, rhythms_draw
from .log import Log, moment
from .review import events_count, review_reset, review_timed
from .world import world_build

_HISTORY = """
INSERT INTO audit_activityday (actor_id, day, actor_role, organisation_id, lookups,
    off_hours_lookups, searches, distinct_children, break_glass, unexplained_children,
    directory_searches, fruitless_searches)
SELECT u.id, d.day, u.role, u.organisation_id, v.n, v.n * (hashint4(u.id::int) & 3) / 40,
       v.n, greatest(1, v.n * 3 / 4), (hashint4(u.id::int + d.k) & 255 = 0)::int,
       round(greatest(1, v.n * 3 / 4) * CASE u.job_title
           WHEN 'social_worker' THEN 0.4 WHEN 'child_protection' THEN 0.4
           WHEN 'data_manager' THEN 1.0 WHEN 'emergency_duty' THEN 1.0 ELSE 0 END)::int,
       0, (v.n + (hashint4(u.id::int * 13 + d.k) & 7)) / 8
FROM access_user u
CROSS JOIN (
    SELECT g::date AS day, g::date - date '2000-01-01' AS k
    FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') g
    WHERE extract(isodow FROM g) < 6
) d
CROSS JOIN LATERAL (SELECT 2 + (hashint4(u.id::int * 31 + d.k) & 7) AS n) v
WHERE (hashint4(u.id::int * 7 + d.k) & 7) < 5
"""


def scale_day_run(*, users: int, children_per_user: float, seed: int, day, reuse: bool) -> None:
    print(f"scale mode: {users:,} users, one day ({day}), seed {seed}")
    if reuse:
        review_reset()
    else:
        began = time.monotonic()
        world = world_build(users=users, children_per_user=children_per_user, seed=seed,
                            today=day)  # fmt: skip
        built = time.monotonic()
        rhythms = rhythms_draw(world, first=day, days=1, seed=seed)
        log = Log(world)
        legit_history(log, rhythms, first=day, days=1, seed=seed,
                      forced=lambda rng: rng.randint(2, 7))  # fmt: skip
        loaded = log.load()
        print(f"built {len(world.people):,} users and {len(world.child_public):,} children in "
              f"{built - began:.0f} s; {loaded:,} events written in "
              f"{time.monotonic() - built:.0f} s")  # fmt: skip
    _history_write(day)
    # Reviewed the morning the day settles, so the time includes explaining its weak
    # lookups again with what followed them (MISUSE_FOLLOW_UP_DAYS later).
    settles = day + timedelta(days=1 + settings.MISUSE_FOLLOW_UP_DAYS)
    report, seconds, load = review_timed(now=moment(settles, 6.0))
    events = events_count()
    print(f"review: {seconds:.1f} s for {events:,} events ({events / seconds:,.0f} events/s), "
          f"load average before/after {load}")  # fmt: skip
    for stage, spent in sorted(report.seconds.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:<18} {spent:8.1f} s  alerts {report.alerts.get(stage, 0)}")


def _history_write(day) -> None:
    """Four weeks of rolled-up activity before ``day`` for every user (about 5 days in 7),
    with the unexplained children (residence only) in the share each job's habits give, and
    about one search in eight opening nothing (the month's ordinary work: 12 %)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_activityday WHERE day < %s", [day])
        cursor.execute(
            _HISTORY, {"first": day - timedelta(days=28), "last": day - timedelta(days=1)}
        )
        cursor.execute("ANALYZE audit_activityday")
