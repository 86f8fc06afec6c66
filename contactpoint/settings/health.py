"""Health (issue 20; docs/operations.md): the limits past which /healthz/ready answers 503.

/healthz/live answers while the process does; /healthz/ready (and /healthz) answers 503 when
any figure passes its limit (contactpoint/health.py). Beat asks a worker for a heartbeat
every HEALTH_WORKER_HEARTBEAT_SECONDS; none for HEALTH_WORKER_HEARTBEAT_MAX_AGE_SECONDS
means no worker is taking tasks (nothing sealed, reviewed or e-mailed).
"""

from django.core.exceptions import ImproperlyConfigured

from .environment import env_number
from .review import MISUSE_REVIEW_INTERVAL_MINUTES, MISUSE_REVIEW_LAG_SECONDS

HEALTH_WORKER_HEARTBEAT_SECONDS = env_number("HEALTH_WORKER_HEARTBEAT_SECONDS", default=15, least=1)
HEALTH_WORKER_HEARTBEAT_MAX_AGE_SECONDS = env_number(
    "HEALTH_WORKER_HEARTBEAT_MAX_AGE_SECONDS", default=60, least=1
)
HEALTH_REPLICA_MAX_LAG_SECONDS = env_number("HEALTH_REPLICA_MAX_LAG_SECONDS", default=30, least=1)
# Misuse review's newest hourly window ends at most this long ago while review keeps up: an
# hour's window, MISUSE_REVIEW_LAG_SECONDS and a few review intervals.
MISUSE_REVIEW_MAX_LAG_SECONDS = env_number(
    "MISUSE_REVIEW_MAX_LAG_SECONDS",
    default=3600 + MISUSE_REVIEW_LAG_SECONDS + 3 * MISUSE_REVIEW_INTERVAL_MINUTES * 60,
    least=1,
)
if HEALTH_WORKER_HEARTBEAT_MAX_AGE_SECONDS <= HEALTH_WORKER_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "HEALTH_WORKER_HEARTBEAT_MAX_AGE_SECONDS must be longer than "
        "HEALTH_WORKER_HEARTBEAT_SECONDS."
    )
