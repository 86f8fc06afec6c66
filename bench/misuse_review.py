"""Misuse review against planted misuse: recall, precision, alert rate and run time.

    .venv/bin/python bench/misuse_review.py                       # a month, 3,000 users
    .venv/bin/python bench/misuse_review.py --split tune          # the data thresholds are tuned on
    .venv/bin/python bench/misuse_review.py --variants untuned    # only shapes nobody tuned on
    .venv/bin/python bench/misuse_review.py --reuse --set scraping.day_children=60
    .venv/bin/python bench/misuse_review.py --reuse --daily       # reviewed each morning
    .venv/bin/python bench/misuse_review.py --day-users 300000    # one day at national scale

After the committed thresholds' tables it prints the share of ordinary lookups explained, the
same for their fake twins (``misuse/fake.py``: a random child of the user's authority in place
of the real one, what each explanation gives by chance), and the leave-one-kind-out table
(``misuse/loko.py``): each kind's recall with thresholds chosen on the other kinds only
(``--no-loko`` skips it and the detectors' re-runs it needs). Then the review runs again on
the last day's late morning (the late settle, ``MISUSE_LATE_FOLLOW_UP_DAYS``, held back
until then) and the shares are printed again; ``--daily`` instead reviews every morning as
in service, without leave-one-kind-out.

Builds a synthetic directory, workforce and month of lookups (``bench/misuse/``) into a named
scratch database (default ``contactpoint_bench_misuse``, recreated each run with the owner
role from ``.data/stack.env`` and migrated), plants misuse of each kind at ``--rate`` of users,
runs the application's own pipeline (``audit.review.pipeline.misuse_review_run``) over it and
prints the tables. ``--seed`` drives the tuning data and ``--eval-seed`` the evaluation data,
so thresholds tuned on one are measured on the other. Set REDIS_URL to a Redis of your own:
raising an alert queues its e-mail.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, timedelta

from misuse.database import database_fresh, database_url, django_start


def main() -> None:
    args = _arguments()
    seed = args.seed if args.split == "tune" else args.eval_seed
    url = database_url(args.database) if args.reuse else database_fresh(args.database)
    django_start(url)
    from django.conf import settings

    # Back far enough from the late settle's morning (``_month_run``) to review the warm-up;
    # the pipeline reads this setting when it runs, and the late days come from the settings
    # (and the environment) as the service reads them.
    settings.MISUSE_REVIEW_BACKFILL_DAYS = (
        args.warmup + args.days + settings.MISUSE_LATE_FOLLOW_UP_DAYS + 7
    )

    for assignment in args.set:
        name, _, value = assignment.partition("=")
        detector, _, param = name.partition(".")
        settings.MISUSE_DETECTORS[detector][param] = type(
            settings.MISUSE_DETECTORS[detector][param]
        )(value)
    if args.day_users:
        from misuse.scale import scale_day_run

        scale_day_run(users=args.day_users, children_per_user=args.day_children, seed=seed,
                      day=args.first, reuse=args.reuse)  # fmt: skip
        return
    _month_run(args, seed)


def _month_run(args, seed: int) -> None:
    from django.conf import settings
    from misuse.fake import fake_lookups_print
    from misuse.legit import legit_history, rhythms_draw
    from misuse.log import Log, moment
    from misuse.planted import Context, misuse_plant
    from misuse.review import events_count, review_reset, review_timed
    from misuse.score import alerts_read, explained_print, score_print, truth_load, truth_save
    from misuse.world import world_build

    start = args.first - timedelta(days=args.warmup)
    last = args.first + timedelta(days=args.days - 1)
    print(f"split {args.split} (seed {seed}), variants {args.variants}, {args.users:,} users, "
          f"{args.warmup} warm-up + {args.days} evaluated days from {args.first}, "
          f"database {args.database}")  # fmt: skip
    if args.reuse:
        review_reset(args.only)
        truth = truth_load()
    else:
        began = time.monotonic()
        world = world_build(users=args.users, children_per_user=args.children_per_user,
                            seed=seed, today=start)  # fmt: skip
        rhythms = rhythms_draw(world, first=start, days=args.warmup + args.days, seed=seed)
        log = Log(world)
        legit_history(log, rhythms, first=start, days=args.warmup + args.days, seed=seed)
        days = [args.first + timedelta(days=n) for n in range(args.days)]
        context = Context(log=log, rng=random.Random(seed + 1), rhythms=rhythms,
                          days=[d for d in days if d.weekday() < 5])  # fmt: skip
        truth = misuse_plant(context, rate=args.rate, variants=args.variants).subjects
        truth_save(truth)
        loaded = log.load()
        print(f"built {len(world.people):,} users, {len(world.child_public):,} children, "
              f"{loaded:,} events, {len(log.requests):,} break-glass requests in "
              f"{time.monotonic() - began:.0f} s")  # fmt: skip
    # The morning the last evaluated day settles: the unexplained-lookup detectors judge a day
    # only once what followed its lookups is known (MISUSE_FOLLOW_UP_DAYS later). The late
    # settle is held back until every detector has run (``_late_settle_run``), or, with
    # --daily, runs each morning as in service (``_review_daily``).
    now = moment(last + timedelta(days=1 + settings.MISUSE_FOLLOW_UP_DAYS), 6.0)
    if args.daily:
        report, seconds, load = _review_daily(args.only, start, last)
    else:
        with _late_settle_held():
            report, seconds, load = review_timed(now=now, detectors=args.only)
    events = events_count()
    print(f"review: {seconds:.1f} s for {events:,} events ({events / seconds:,.0f} events/s), "
          f"load average before/after {load}")  # fmt: skip
    print("  " + ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items()))
    alerts = alerts_read(args.first, last)
    users = _users_count()
    score_print(truth=truth, alerts=alerts, users=users, days=args.days)
    if args.daily:
        print(f"\nReviewed each morning; the late settle "
              f"({settings.MISUSE_LATE_FOLLOW_UP_DAYS} days) done for every day:")  # fmt: skip
        explained_print(args.first, last, built=start)
        fake_lookups_print(args.first, last, late=True)
        return
    print(f"\nAt the settle ({settings.MISUSE_FOLLOW_UP_DAYS} days after each day, "
          f"what the detectors judge):")  # fmt: skip
    explained_print(args.first, last, built=start)
    fake_lookups_print(args.first, last)
    if args.loko:
        with _late_settle_held():
            _leave_one_kind_out(args, now, truth, alerts, users, last)
    _late_settle_run(args, start, last)


def _late_settle_held():
    """No late settle until the detectors are done: the alerts scored are those of detectors
    that read no late explanation (the review as it was before session 13). In service a
    day's detectors also read the earlier days the late settle has done (their baselines);
    ``--daily`` measures that."""
    from django.test import override_settings

    return override_settings(MISUSE_LATE_FOLLOW_UP_DAYS=100 * 365)


def _review_daily(only, start, last):
    """The review as in service: run every morning at 06:00 from the first day's settle to
    the last day's late settle, so that each day's detectors read what the late settle had
    done by then (days ``MISUSE_LATE_FOLLOW_UP_DAYS`` old and older) and nothing later.
    Returns the review_timed triple, seconds summed over the mornings."""
    from django.conf import settings
    from misuse.log import moment
    from misuse.review import review_timed

    first_morning = start + timedelta(days=1 + settings.MISUSE_FOLLOW_UP_DAYS)
    last_morning = last + timedelta(days=1 + settings.MISUSE_LATE_FOLLOW_UP_DAYS)
    total, seconds, loads = None, 0.0, []
    for n in range((last_morning - first_morning).days + 1):
        report, took, load = review_timed(
            now=moment(first_morning + timedelta(days=n), 6.0), detectors=only
        )
        seconds += took
        loads.append(load)
        if total is None:
            total = report
        else:
            for stage, value in report.seconds.items():
                total.seconds[stage] = total.seconds.get(stage, 0) + value
    return total, seconds, f"{loads[0].split('/')[0]}/{loads[-1].split('/')[1]}"


def _late_settle_run(args, start, last) -> None:
    """The morning the last evaluated day's late follow-up period ends: the review runs
    again, and its late settle (``MISUSE_LATE_FOLLOW_UP_DAYS``) explains the month's
    still-weak lookups by a case opened over the longer window; then the shares again.

    After every detector's run (and leave-one-kind-out's re-runs), so the alerts scored above
    are those of detectors that read no late explanation (``_late_settle_held``). A later
    ``--reuse --only`` run keeps these explanations: it must not be compared with a full
    run's detectors."""
    from django.conf import settings
    from misuse.fake import fake_lookups_print
    from misuse.log import moment
    from misuse.review import review_timed
    from misuse.score import alerts_read, explained_print

    before = len(alerts_read(args.first, last))
    now = moment(last + timedelta(days=1 + settings.MISUSE_LATE_FOLLOW_UP_DAYS), 6.0)
    report, seconds, _load = review_timed(now=now, detectors=args.only)
    late = report.windows.get("late_settle", 0)
    print(f"\nAfter the late settle ({settings.MISUSE_LATE_FOLLOW_UP_DAYS} days after each "
          f"day, a case opened only): review again in {seconds:.1f} s (late settle "
          f"{report.seconds.get('late_settle', 0):.1f} s, {late} day windows), alerts in the "
          f"evaluated days {before} -> {len(alerts_read(args.first, last))}")  # fmt: skip
    explained_print(args.first, last, built=start)
    fake_lookups_print(args.first, last, late=True)


def _leave_one_kind_out(args, now, truth, alerts, users, last) -> None:
    """Re-run each detector at its other settings (``misuse/loko.py``), then score every
    kind with thresholds chosen on the other kinds; the committed alerts are restored."""
    from misuse.loko import COMMITTED, grid_points, loko_print, thresholds
    from misuse.review import review_reset, review_timed
    from misuse.score import alerts_read

    from audit.review.detectors import DETECTORS_BY_NAME

    chosen = args.only or list(DETECTORS_BY_NAME)
    runs = {d: {COMMITTED: [s for det, s, _j in alerts if det == d]} for d in chosen}
    began = time.monotonic()
    for detector, label, overrides in grid_points(chosen):
        with thresholds(detector, overrides):
            review_reset([detector])
            review_timed(now=now, detectors=[detector])
        runs[detector][label] = [
            s for det, s, _j in alerts_read(args.first, last) if det == detector
        ]
    for detector in {d for d, _l, _o in grid_points(chosen)}:
        review_reset([detector])
        review_timed(now=now, detectors=[detector])
    print(f"\nleave-one-kind-out: {len(grid_points(chosen))} extra detector runs in "
          f"{time.monotonic() - began:.0f} s")  # fmt: skip
    loko_print(truth=truth, runs=runs, users=users, days=args.days)


def _users_count() -> int:
    from access.models import User

    return User.objects.count()


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--children-per-user", type=float, default=12)
    parser.add_argument("--days", type=int, default=30, help="evaluated days")
    parser.add_argument("--warmup", type=int, default=14, help="days of history before them")
    parser.add_argument("--first", type=date.fromisoformat, default=date(2026, 10, 1))
    parser.add_argument("--rate", type=float, default=0.005, help="share of users per kind")
    parser.add_argument("--variants", choices=("tuned", "untuned", "both"), default="both")
    parser.add_argument("--split", choices=("tune", "eval"), default="eval")
    parser.add_argument("--seed", type=int, default=1, help="seed of the tuning data")
    parser.add_argument(
        "--eval-seed", type=int, default=20261125, help="seed of the evaluation data"
    )
    parser.add_argument("--database", default="contactpoint_bench_misuse")
    parser.add_argument("--reuse", action="store_true", help="review the data already built")
    parser.add_argument("--only", action="append", metavar="DETECTOR",
                        help="with --reuse: run only these detectors again (tuning)")  # fmt: skip
    parser.add_argument("--set", action="append", default=[], metavar="DETECTOR.PARAM=VALUE",
                        help="override a threshold for this run (tuning)")  # fmt: skip
    parser.add_argument("--no-loko", dest="loko", action="store_false",
                        help="skip leave-one-kind-out and its re-runs")  # fmt: skip
    parser.add_argument("--daily", action="store_true",
                        help="review every morning as in service (the late settle read by "
                             "later days' detectors); no leave-one-kind-out")  # fmt: skip
    parser.add_argument("--day-users", type=int, default=0,
                        help="scale mode: one day of events for this many users")  # fmt: skip
    parser.add_argument("--day-children", type=float, default=5, help="children per user (scale)")
    return parser.parse_args()


if __name__ == "__main__":
    main()
