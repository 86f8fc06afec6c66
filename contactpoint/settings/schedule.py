"""What Celery beat runs, and how often: the one place every periodic task is named. Where a
topic sets the interval (sealing, review, the cloaked-enquiry sweep, the heartbeat), the
setting lives with its topic and is read from there."""

from datetime import timedelta

from .audit import AUDIT_SEAL_INTERVAL_SECONDS
from .health import HEALTH_WORKER_HEARTBEAT_SECONDS
from .review import MISUSE_REVIEW_INTERVAL_MINUTES
from .shielding import CLOAKED_ENQUIRY_SWEEP_SECONDS


def _daily(task: str) -> dict:
    """A job run once a day; a run no worker took within six hours is dropped (the next
    day's covers the same ground)."""
    return {"task": task, "schedule": timedelta(hours=24), "options": {"expires": 6 * 3600}}


CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "access.tasks.expired_sessions_clear",
        "schedule": timedelta(minutes=15),
    },
    "resend-unsent-notifications": {
        "task": "access.tasks.notifications_unsent_sweep",
        "schedule": timedelta(minutes=5),
    },
    "escalate-unjudged-break-glass": {
        "task": "access.tasks.break_glass_escalate_overdue",
        "schedule": timedelta(minutes=30),
    },
    # Vetting as evidence (issue 14; settings/vetting.py).
    "remind-vetting-expiry": _daily("access.tasks.vetting_reminders_send_task"),
    "disable-idle-accounts": _daily("access.tasks.idle_accounts_disable_task"),
    "chase-overdue-recertification": _daily("access.tasks.recertifications_overdue_chase_task"),
    "expire-provisioning-requests": {
        "task": "access.tasks.provisioning_requests_expire_task",
        "schedule": timedelta(hours=1),
        "options": {"expires": 3600},
    },
    "estimate-match-weights": _daily("directory.tasks.match_weights_estimate_task"),
    "apply-retention": _daily("directory.tasks.retention_apply_task"),
    "notify-cloaked-enquiries": {
        "task": "access.tasks.cloaked_enquiries_process_task",
        "schedule": timedelta(seconds=CLOAKED_ENQUIRY_SWEEP_SECONDS),
        "options": {"expires": CLOAKED_ENQUIRY_SWEEP_SECONDS},
    },
    "seal-audit-log": {
        "task": "audit.tasks.audit_seal_task",
        "schedule": timedelta(seconds=AUDIT_SEAL_INTERVAL_SECONDS),
        # A tick the worker could not take in time is dropped: the next one seals the same
        # events.
        "options": {"expires": AUDIT_SEAL_INTERVAL_SECONDS},
    },
    "create-audit-partitions": {
        "task": "audit.tasks.audit_partitions_ensure_task",
        "schedule": timedelta(hours=6),
    },
    "review-misuse": {
        "task": "audit.tasks.misuse_review_task",
        "schedule": timedelta(minutes=MISUSE_REVIEW_INTERVAL_MINUTES),
        "options": {"expires": MISUSE_REVIEW_INTERVAL_MINUTES * 60},
    },
    "worker-heartbeat": {
        "task": "audit.tasks.worker_heartbeat_task",
        "schedule": timedelta(seconds=HEALTH_WORKER_HEARTBEAT_SECONDS),
        "options": {"expires": HEALTH_WORKER_HEARTBEAT_SECONDS},
    },
}
