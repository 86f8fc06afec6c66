"""Stalls of the audit's own machinery, told to the auditors (issue 20).

Sealing that stops leaves new events unprotected; misuse review that stops raises no alert
about anyone. Either is seen by readiness (``contactpoint.health``), which calls
``service_stalls_alert`` whenever it finds one: the web server notices even when no worker
runs, and beat's heartbeat task notices from the worker's side. One alert per stall, for the
auditors (``audit.alerts.services.service_stall_alert_raise``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from .alerts.services import REVIEW_STALLED, SEALING_STALLED, service_stall_alert_raise
from .selectors import SealLag


def sealing_stall_alert(*, lag: SealLag, now: datetime) -> None:
    """Raise once per stall: the stall is named by the first event left unsealed."""
    if not lag.stalled:
        return
    service_stall_alert_raise(
        detector=SEALING_STALLED,
        key=str(lag.oldest_unsealed_id),
        summary=(
            f"Audit sealing has stopped keeping up: {lag}. Events written since then are not "
            "yet protected against change. Operations: see docs/operations.md."
        ),
        since=lag.oldest_unsealed_at,
        now=now,
    )


def review_stall_alert(*, lag_seconds: float, now: datetime) -> None:
    """Raise once per stall: the stall is named by where review stopped."""
    if lag_seconds <= settings.MISUSE_REVIEW_MAX_LAG_SECONDS:
        return
    stopped = now - timedelta(seconds=lag_seconds)
    service_stall_alert_raise(
        detector=REVIEW_STALLED,
        key=stopped.isoformat(timespec="seconds"),
        summary=(
            f"Misuse review has stopped keeping up: nothing after {stopped:%Y-%m-%d %H:%M %Z} "
            f"has been reviewed ({lag_seconds / 3600:.1f} hours; the limit is "
            f"{settings.MISUSE_REVIEW_MAX_LAG_SECONDS / 3600:.1f}). No alert about anyone's "
            "lookups since then has been raised. Operations: see docs/operations.md."
        ),
        since=stopped,
        now=now,
    )
