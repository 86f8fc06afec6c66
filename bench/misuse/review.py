"""Run the application's own review pipeline and time it; reset its derived tables so the
same data can be reviewed again with other thresholds (``--reuse``)."""

from __future__ import annotations

import os
import time
from datetime import datetime

from django.db import connection

from audit.review.detectors import DETECTORS, DETECTORS_BY_NAME
from audit.review.pipeline import ReviewReport, misuse_review_run

# Everything the review derives from the log; the log itself is never touched.
_DERIVED = (
    "audit_alertdecision", "audit_alert", "audit_reviewrun", "audit_reviewwatermark",
    "audit_activityday", "audit_lookupexplanation", "access_notification",
)  # fmt: skip


def review_reset(detectors: list[str] | None = None) -> None:
    """Forget what the review derived: everything, or only the named detectors' runs and
    alerts (explanations and roll-ups stay, so a tuning run repeats just those detectors)."""
    with connection.cursor() as cursor:
        if not detectors:
            cursor.execute(f"TRUNCATE {', '.join(_DERIVED)}")
            return
        cursor.execute(
            "DELETE FROM audit_alertdecision WHERE alert_id IN "
            "(SELECT id FROM audit_alert WHERE detector = ANY(%s))",
            [detectors],
        )
        cursor.execute("DELETE FROM audit_alert WHERE detector = ANY(%s)", [detectors])
        cursor.execute("DELETE FROM audit_reviewrun WHERE detector = ANY(%s)", [detectors])


def review_timed(
    *, now: datetime, detectors: list[str] | None = None
) -> tuple[ReviewReport, float, str]:
    """One review run as of ``now`` (every detector, or the named ones): (report, seconds,
    load average before/after)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_accessevent")
        cursor.execute("ANALYZE access_accessrequest")
    before = os.getloadavg()[0]
    started = time.monotonic()
    chosen = tuple(DETECTORS_BY_NAME[name] for name in detectors) if detectors else DETECTORS
    report = misuse_review_run(now=now, detectors=chosen)
    seconds = time.monotonic() - started
    return report, seconds, f"{before:.2f}/{os.getloadavg()[0]:.2f}"


def events_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_accessevent")
        return cursor.fetchone()[0]
