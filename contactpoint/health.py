"""Readiness: each dependency and each background duty, with the figure that says how it is.

Rule (issue 20: operators are told the truth): the service is ready only when PostgreSQL
answers (and a configured replica keeps up), Redis answers, sealing keeps up with the log
(an unsealed event is not yet protected), misuse review keeps up, and a Celery worker has
been heard from recently. ``docs/operations.md`` says what each figure means and what to do.

A stalled sealer or review is also told to the auditors, once per stall, by whoever asks
first (``audit.operations``). Every check is bounded (the web process's waits,
``contactpoint.db_wait``), and once PostgreSQL has failed the checks that read it are not
tried again in the same answer: one stuck dependency must not make the health check hang.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.utils import timezone

HEARTBEAT_KEY = "health:worker-heartbeat"


@dataclass(frozen=True)
class Check:
    """One line of the answer: ``figure`` in ``unit``, ``limit`` the worst that is still ok."""

    name: str
    ok: bool
    figure: float | None
    unit: str
    limit: float | None = None
    detail: str = ""


@dataclass(frozen=True)
class Readiness:
    checks: tuple[Check, ...]

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks)

    def as_dict(self) -> dict:
        return {
            "ready": self.ready,
            "checks": {check.name: asdict(check) for check in self.checks},
        }


def heartbeat_record() -> None:
    """Called by the worker on beat's schedule: a worker is taking tasks, now."""
    cache.set(HEARTBEAT_KEY, time.time(), timeout=None)


def readiness() -> Readiness:
    checks = [_postgres()]
    database_up = checks[0].ok
    if "replica" in settings.DATABASES:
        checks.append(_replica() if database_up else _skipped("replica_lag", "s"))
    checks.append(_redis())
    for name, check in (("audit_seal_lag", _seal_lag), ("misuse_review_lag", _review_lag)):
        checks.append(check() if database_up else _skipped(name, "s"))
    checks.append(_worker_heartbeat())
    return Readiness(tuple(checks))


def _skipped(name: str, unit: str) -> Check:
    return Check(name, False, None, unit, detail="not checked: PostgreSQL is unavailable")


def _timed(run) -> float:
    started = time.monotonic()
    run()
    return round((time.monotonic() - started) * 1000, 1)


def _postgres() -> Check:
    def select_one() -> None:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")

    try:
        return Check("postgres", True, _timed(select_one), "ms")
    except DatabaseError as error:
        connections[DEFAULT_DB_ALIAS].close_if_unusable_or_obsolete()
        return Check("postgres", False, None, "ms", detail=_first_line(error))


def _replica() -> Check:
    """Seconds since the replica last replayed a transaction, when it has WAL still to
    replay (0 when it has replayed all it received); reads wait for it or use the primary
    (``access.gateway.replica``), so a lagging replica slows reads rather than staling them."""
    limit = settings.HEALTH_REPLICA_MAX_LAG_SECONDS
    try:
        with connections["replica"].cursor() as cursor:
            cursor.execute(
                "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
                "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END"
            )
            [lag] = cursor.fetchone()
    except DatabaseError as error:
        connections["replica"].close_if_unusable_or_obsolete()
        return Check("replica_lag", False, None, "s", limit, _first_line(error))
    lag = float(lag or 0)
    return Check("replica_lag", lag <= limit, round(lag, 1), "s", limit)


def _redis() -> Check:
    try:
        return Check("redis", True, _timed(lambda: cache.get(HEARTBEAT_KEY)), "ms")
    except Exception as error:  # noqa: BLE001 - any failure of Redis is "not ready"
        return Check("redis", False, None, "ms", detail=_first_line(error))


def _seal_lag() -> Check:
    """Age of the oldest event no head seals yet (0: everything is sealed)."""
    from audit.operations import sealing_stall_alert
    from audit.selectors import seal_lag_get

    lag = seal_lag_get()
    sealing_stall_alert(lag=lag, now=timezone.now())
    return Check(
        "audit_seal_lag", not lag.stalled, round(lag.seconds, 1), "s", float(lag.limit_seconds)
    )


def _review_lag() -> Check:
    """How far misuse review's newest reviewed window ends behind now (for the detector that
    is furthest behind); none yet on an install whose log review has never read."""
    from audit.operations import review_stall_alert
    from audit.selectors import misuse_review_lag_get

    now = timezone.now()
    lag = misuse_review_lag_get(now=now)
    limit = float(settings.MISUSE_REVIEW_MAX_LAG_SECONDS)
    if lag is None:
        return Check("misuse_review_lag", True, None, "s", limit, "review has not run yet")
    review_stall_alert(lag_seconds=lag, now=now)
    return Check("misuse_review_lag", lag <= limit, round(lag, 1), "s", limit)


def _worker_heartbeat() -> Check:
    """Seconds since a Celery worker last ran the heartbeat task beat schedules."""
    limit = float(settings.HEALTH_WORKER_HEARTBEAT_MAX_AGE_SECONDS)
    try:
        beat = cache.get(HEARTBEAT_KEY)
    except Exception as error:  # noqa: BLE001 - Redis down: the worker cannot be heard either
        return Check("worker_heartbeat", False, None, "s", limit, _first_line(error))
    if beat is None:
        return Check("worker_heartbeat", False, None, "s", limit, "no worker heard from yet")
    age = max(time.time() - float(beat), 0.0)
    return Check("worker_heartbeat", age <= limit, round(age, 1), "s", limit)


def _first_line(error: BaseException) -> str:
    """What failed, by kind only: anyone may ask, and a message can name hosts and ports."""
    return type(error).__name__
