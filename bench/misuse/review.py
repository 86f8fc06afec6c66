"""Run the application's own review pipeline and time it; reset its derived tables so the
same data can be reviewed again with other thresholds (``--reuse``)."""

from __future__ import annotations

import os
import time
from datetime import datetime

from django.db import connection

from audit.review.pipeline import ReviewReport, misuse_review_run

# Everything the review derives from the log; the log itself is never touched.
_DERIVED = (
    "audit_alertdecision", "audit_alert", "audit_reviewrun", "audit_reviewwatermark",
    "audit_activityday", "audit_lookupexplanation", "access_notification",
)  # fmt: skip


def review_reset() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(_DERIVED)}")


def review_timed(*, now: datetime) -> tuple[ReviewReport, float, str]:
    """One full review run as of ``now``: (report, seconds, load average before/after)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_accessevent")
        cursor.execute("ANALYZE access_accessrequest")
    before = os.getloadavg()[0]
    started = time.monotonic()
    report = misuse_review_run(now=now)
    seconds = time.monotonic() - started
    return report, seconds, f"{before:.2f}/{os.getloadavg()[0]:.2f}"


def events_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_accessevent")
        return cursor.fetchone()[0]
