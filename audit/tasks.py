"""Scheduled audit work, run by Celery beat (see ``CELERY_BEAT_SCHEDULE``).

Thin, as tasks here are: each calls one service. No retries: both are idempotent and beat
runs them again on the next tick (seconds for sealing), which is a retry with a fixed delay.
"""

from celery import shared_task
from django.conf import settings


@shared_task
def audit_seal_task() -> dict:
    """One sealing round; a round already running elsewhere makes this one return "busy"."""
    from .sealing.sealer import audit_seal

    result = audit_seal(wait_seconds=settings.AUDIT_SEAL_WAIT_SECONDS)
    return {
        "status": result.status,
        "tree_size": result.head.tree_size if result.head else None,
        "safe_through": result.safe_through,
    }


@shared_task
def audit_partitions_ensure_task() -> int:
    """Create the coming months' partitions of the lookup log."""
    from .partitions import audit_partitions_ensure

    return audit_partitions_ensure()


@shared_task
def misuse_review_task() -> dict:
    """Bring misuse review up to date; a run already going elsewhere makes this one "busy".
    Bounded per tick so a backlog (a new install, a long outage) is worked off over ticks."""
    from .review.pipeline import misuse_review_run

    report = misuse_review_run(max_windows=96)
    return {"status": report.status, "explained": report.explained, "alerts": report.alerts}


@shared_task
def worker_heartbeat_task() -> None:
    """A worker is taking tasks (``/healthz/ready``'s ``worker_heartbeat``); and, from the
    worker's side, a stalled sealer or review is told to the auditors
    (``audit.operations``)."""
    from contactpoint.health import heartbeat_record, readiness

    heartbeat_record()
    readiness()
