"""The review run: explain new lookups, roll up finished days, explain again the days whose
follow-up period has passed (and, by a case opened, those whose late follow-up period has),
run each detector over each window it has not yet reviewed.
``review_misuse`` and the Celery beat task both call ``misuse_review_run``.

Idempotence: each (detector, window) is done at most once — ``ReviewRun``'s unique key is
inserted in the same transaction as the window's alerts, so a re-run, a task the broker
redelivers, or two workers racing each find the row (or wait on it and collide) and change
nothing. A PostgreSQL advisory lock keeps a second concurrent run from even starting, while
review keeps making progress (``_review_lock``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from ..alerts.services import alert_raise
from ..models import ReviewRun
from .detectors import DETECTORS, Detector
from .explain import lookups_explain
from .rollup import activity_day_rollup, activity_day_settle, activity_day_settle_late
from .windows import DAY, Window, window_floor, windows_between

logger = logging.getLogger(__name__)

ROLLUP = "rollup"
# Each day's weak explanations judged again once the days that follow have passed
# (``MISUSE_FOLLOW_UP_DAYS``); the detectors marked ``settled`` wait for it.
SETTLE = "settle"
# Each day's still-weak explanations judged once more by a case opened up to
# ``MISUSE_LATE_FOLLOW_UP_DAYS`` later; no detector waits for it.
LATE_SETTLE = "late_settle"
_LOCK_KEY = 0x4350_5245_5649_4557  # "CPREVIEW"


@dataclass
class ReviewReport:
    status: str = "done"
    explained: int = 0
    windows: dict[str, int] = field(default_factory=dict)
    alerts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def misuse_review_run(
    *,
    now: datetime | None = None,
    max_windows: int | None = None,
    detectors: tuple[Detector, ...] = DETECTORS,
) -> ReviewReport:
    """Bring every detector up to date with the log as of ``now``; at most ``max_windows``
    windows per detector this time (the rest wait for the next run)."""
    now = now or timezone.now()
    report = ReviewReport()
    with _review_lock() as held:
        if not held:
            report.status = "busy"
            return report
        started = time.monotonic()
        report.explained = lookups_explain(chunk_events=settings.MISUSE_REVIEW_CHUNK_EVENTS).handled
        report.seconds["explain"] = time.monotonic() - started
        horizon = now - timedelta(seconds=settings.MISUSE_REVIEW_LAG_SECONDS)
        first = _first_event_time(horizon) if _some_stage_never_ran(detectors) else horizon
        if first is None:
            return report
        _windows_run(ROLLUP, DAY, horizon, first, max_windows, report, _rollup_step)
        settle_horizon = horizon - timedelta(days=settings.MISUSE_FOLLOW_UP_DAYS)
        _windows_run(SETTLE, DAY, settle_horizon, first, max_windows, report, _settle_step)
        settled = min(settle_horizon, _done_through(SETTLE) or first)
        late_horizon = horizon - timedelta(days=settings.MISUSE_LATE_FOLLOW_UP_DAYS)
        late_until = min(late_horizon, settled)
        _windows_run(LATE_SETTLE, DAY, late_until, first, max_windows, report, _late_settle_step)
        for detector in detectors:
            step = _detector_step(detector, now)
            until = settled if detector.settled else horizon
            _windows_run(detector.name, detector.window, until, first, max_windows, report, step)
    return report


def _rollup_step(window: Window) -> tuple[int, int]:
    return activity_day_rollup(window), 0


def _settle_step(window: Window) -> tuple[int, int]:
    return activity_day_settle(window), 0


def _late_settle_step(window: Window) -> tuple[int, int]:
    return activity_day_settle_late(window), 0


def _done_through(name: str) -> datetime | None:
    """The end of the last window ``name`` has done (windows are done in order)."""
    last = ReviewRun.objects.filter(detector=name).order_by("-window_start").first()
    return last.window_end if last else None


def _detector_step(detector: Detector, now: datetime):
    params = settings.MISUSE_DETECTORS[detector.name]

    def step(window: Window) -> tuple[int, int]:
        findings = detector.find(window, params)
        raised = sum(
            alert_raise(detector=detector.name, finding=finding, window=window, now=now) is not None
            for finding in findings
        )
        return len(findings), raised

    return step


def _windows_run(name, kind, horizon, first, max_windows, report, step) -> None:
    started = time.monotonic()
    done = raised = 0
    quiet: list[Window] = []
    for window in _pending(name, kind, horizon, first):
        if max_windows is not None and done >= max_windows:
            break
        done += 1
        if not _has_events(window):
            quiet.append(window)
            continue
        _quiet_windows_record(name, quiet)
        quiet = []
        raised += _window_run(name, window, step)
    _quiet_windows_record(name, quiet)
    report.windows[name] = done
    report.alerts[name] = raised
    report.seconds[name] = time.monotonic() - started


def _has_events(window: Window) -> bool:
    """Every detector looks at what happened in its window: a window with no event at all
    (a night, a new install's empty past) can find nothing, so it is only recorded as done."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM audit_accessevent "
            "WHERE occurred_at >= %s AND occurred_at < %s)",
            [window.start, window.end],
        )
        return cursor.fetchone()[0]


def _quiet_windows_record(name: str, windows: list[Window]) -> None:
    """Record empty windows as reviewed, in one statement (the unique key still holds)."""
    if not windows:
        return
    now = timezone.now()
    ReviewRun.objects.bulk_create(
        [
            ReviewRun(detector=name, window_start=w.start, window_end=w.end, finished_at=now)
            for w in windows
        ],
        ignore_conflicts=True,
    )


def _window_run(name: str, window: Window, step) -> int:
    """One window of one stage, with its run record, in one transaction; 0 if already done."""
    started = time.monotonic()
    with transaction.atomic():
        run, created = ReviewRun.objects.get_or_create(
            detector=name,
            window_start=window.start,
            defaults={"window_end": window.end, "finished_at": timezone.now()},
        )
        if not created:
            return 0
        found, raised = step(window)
        run.events_read, run.alerts_raised = found, raised
        run.seconds = time.monotonic() - started
        run.finished_at = timezone.now()
        run.save(update_fields=["events_read", "alerts_raised", "seconds", "finished_at"])
    if raised:
        logger.info("misuse review %s %s: %d alert(s)", name, window.start.isoformat(), raised)
    return raised


def _some_stage_never_ran(detectors: tuple[Detector, ...]) -> bool:
    names = {ROLLUP, SETTLE, LATE_SETTLE, *(detector.name for detector in detectors)}
    done = set(
        ReviewRun.objects.filter(detector__in=names).values_list("detector", flat=True).distinct()
    )
    return done != names


def _pending(name: str, kind: str, horizon: datetime, first: datetime) -> Iterator[Window]:
    last = ReviewRun.objects.filter(detector=name).order_by("-window_start").first()
    if last is not None:
        start = last.window_end
    else:
        backfill = horizon - timedelta(days=settings.MISUSE_REVIEW_BACKFILL_DAYS)
        start = window_floor(max(first, backfill), kind)
    return windows_between(start, horizon, kind)


def _first_event_time(horizon: datetime) -> datetime | None:
    """When the log's reviewable past begins: the earliest event within the backfill period.
    By time, not by id — a history loaded out of order (a migration from another system, the
    synthetic demo month) must not start review part-way through it. Only asked for while
    some stage has never run, so the scan happens once per installation."""
    since = horizon - timedelta(days=settings.MISUSE_REVIEW_BACKFILL_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(occurred_at) FROM audit_accessevent WHERE occurred_at >= %s", [since]
        )
        return cursor.fetchone()[0]


class _review_lock:
    """A session-level advisory lock: one review run at a time across all workers.

    Rule (misuse review cannot be stalled): any database role may take any advisory lock, so
    the application's role could hold this one and keep misuse from being reviewed. The lock
    is therefore trusted only while review makes progress: when it is held elsewhere and no
    window has been finished for ``MISUSE_REVIEW_STALL_SECONDS``, this run goes ahead without
    it, and says so in the log. Two runs at once cost only duplicated effort — ``ReviewRun``'s
    unique key lets one window's alerts be written once — so a holder gains at most that long.
    """

    def __enter__(self) -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY])
            self.held = cursor.fetchone()[0]
        if self.held:
            return True
        last = ReviewRun.objects.aggregate(last=Max("finished_at"))["last"]
        stalled_since = timezone.now() - timedelta(seconds=settings.MISUSE_REVIEW_STALL_SECONDS)
        if last is None or last < stalled_since:
            logger.warning(
                "misuse review: the run lock is held elsewhere but no window has finished "
                "since %s; reviewing without it (a stalled run, or someone holding the lock)",
                last,
            )
            return True
        return False

    def __exit__(self, *exc) -> None:
        if self.held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
