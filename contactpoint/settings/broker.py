"""Redis: the cache, the sessions' store and Celery's broker, and how long each waits on it.
What Celery runs when is in ``schedule``."""

from redis.backoff import NoBackoff
from redis.retry import Retry

from .environment import env_number, required_url


def redis_db_url(url: str, db: int) -> str:
    """``url`` pointed at Redis database number ``db`` (tests keep their keys apart)."""
    base, _, _ = url.partition("?")
    scheme, _, rest = base.partition("://")
    host = rest.split("/", 1)[0]
    return f"{scheme}://{host}/{db}"


REDIS_URL = required_url("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Europe/London"

# Redis answers in microseconds; a second without an answer means it is gone or frozen. One
# quick retry covers a connection Redis closed while idle (a restart), no more: redis-py's own
# default backs off for up to ten seconds, which a person waiting for a page would feel.
REDIS_CONNECT_TIMEOUT_SECONDS = env_number("REDIS_CONNECT_TIMEOUT_SECONDS", default=1.0, above=0)
REDIS_SOCKET_TIMEOUT_SECONDS = env_number("REDIS_SOCKET_TIMEOUT_SECONDS", default=2.0, above=0)
CACHES = {
    "default": {
        # Django's RedisCache with one client per process (contactpoint/redis_store.py).
        "BACKEND": "contactpoint.redis_store.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cp",
        "OPTIONS": {
            "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_SECONDS,
            "socket_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
            "retry": Retry(NoBackoff(), 1),
        },
    }
}
# The broker, as the web process sees it when it queues a task: fail in seconds, not minutes.
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT_SECONDS
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_SECONDS,
    "socket_timeout": max(REDIS_SOCKET_TIMEOUT_SECONDS, 5.0),
    # A task taken by a worker that died (acks_late) goes back to the queue once it has been
    # out this long (looked for every CELERY_UNACKED_RESTORE_SECONDS). Longer than any task
    # runs: a task still running would be handed out twice (harmless, as every task is
    # idempotent, but wasted). Beat's next tick repeats scheduled work sooner anyway.
    "visibility_timeout": env_number("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=3600, least=1),
    "unacked_restore_interval": env_number("CELERY_UNACKED_RESTORE_SECONDS", default=10, least=1),
    "unacked_restore_throttle": 1,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_CONNECT_TIMEOUT_SECONDS
CELERY_REDIS_SOCKET_TIMEOUT = max(REDIS_SOCKET_TIMEOUT_SECONDS, 5.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
