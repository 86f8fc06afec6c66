"""Scheduled audit work, run by Celery beat (see ``CELERY_BEAT_SCHEDULE``).

Thin, as tasks here are: each calls one service. No retries: both are idempotent and beat
runs them again on the next tick (seconds for sealing), which is a retry with a fixed delay.
"""

from celery import shared_task
from django.conf import settings


@shared_task
def audit_seal_task() -> dict:
    """One sealing round; a round already running elsewhere makes this one return "busy"."""
    from .services import audit_seal

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
