"""A ceiling on failed logins from one address, beside django-axes' per-user lock.

django-axes locks the pair (username, address) after a few failures, so an attacker cannot
lock a real user out from the user's own desk. This adds a higher ceiling per address, so one
machine cannot try password after password across many accounts. Counts live in Redis.
"""

from django.conf import settings
from django.core.cache import cache

_WINDOW_SECONDS = 15 * 60


def _key(ip_address: str | None) -> str:
    return f"login-failures:{ip_address or 'unknown'}"


def ip_is_throttled(*, ip_address: str | None) -> bool:
    return cache.get(_key(ip_address), 0) >= settings.LOGIN_IP_FAILURE_LIMIT


def ip_failure_count(*, ip_address: str | None) -> int:
    """Count one more failure from ``ip_address``; the window restarts with the first one."""
    key = _key(ip_address)
    cache.add(key, 0, timeout=_WINDOW_SECONDS)
    return cache.incr(key)
