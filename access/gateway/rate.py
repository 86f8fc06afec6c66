"""Per-user lookup rate limit, counted in Redis.

Rule (no bulk export): a person doing their job looks up a handful of children an hour; a
script walking the directory does hundreds. Each user gets a fixed number of lookups (searches
and record views together) per window; past it, reads are refused until the window ends.
"""

import time

from django.conf import settings
from django.core.cache import cache

RATE_LIMITED = (
    "You have looked up more children in a short time than ContactPoint allows. "
    "Wait {minutes} minutes and try again, or ask your supervisor if you need more."
)


def lookup_allowance_take(*, user_id: int) -> bool:
    """Count one lookup for ``user_id``; False once the window's allowance is spent."""
    window = settings.LOOKUP_RATE_WINDOW_SECONDS
    key = f"lookups:{user_id}:{int(time.time()) // window}"
    cache.add(key, 0, timeout=window + 60)
    return cache.incr(key) <= settings.LOOKUP_RATE_LIMIT


def rate_limited_message() -> str:
    return RATE_LIMITED.format(minutes=settings.LOOKUP_RATE_WINDOW_SECONDS // 60)
