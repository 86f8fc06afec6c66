"""Per-user lookup rate limit: a sliding window kept in Redis.

Rule (no bulk export): a person doing their job looks up a handful of children an hour; a
script walking the directory does hundreds. Each user may make at most ``LOOKUP_RATE_LIMIT``
lookups (searches and record views together) in *any* ``LOOKUP_RATE_WINDOW_SECONDS``; past it,
reads are refused until the oldest lookup in the window ages out. A fixed window (one counter
per clock-aligned window) let twice the limit through across a boundary: 240 searches in 49
seconds.

Each user's lookups are a Redis sorted set scored by time; one Lua script drops the ones
older than the window, counts the rest and adds this one only if there is room. The script
runs atomically, so concurrent requests (several web workers) cannot both take the last
place, and it reads Redis's own clock, so web servers whose clocks differ agree. Refused
attempts are not added, so a user who waits gets their allowance back on time.
"""

import secrets

from django.conf import settings
from django.core.cache import cache
from redis.commands.core import Script

RATE_LIMITED = (
    "You have looked up more children in a short time than ContactPoint allows. "
    "Wait {minutes} minutes and try again, or ask your supervisor if you need more."
)

# KEYS[1]: the user's sorted set. ARGV: limit, window in microseconds, a unique member.
# Scores are microseconds since the epoch: exact in a double until the year 2255.
_TAKE = """
local now = redis.call('TIME')
local now_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
local window_us = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_us - window_us)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
    return 0
end
redis.call('ZADD', KEYS[1], now_us, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.floor(window_us / 1000) + 1000)
return 1
"""


# Sent by its SHA1 (EVALSHA) and loaded again whenever Redis has forgotten it; always run with
# an explicit client, so it is registered to none.
_TAKE_SCRIPT = Script(None, _TAKE.encode())


def _client():
    """The redis-py client behind Django's cache: the same server, database and connection
    pool. Django's RedisCache has no public way to run a script, hence ``_cache``."""
    return cache._cache.get_client(write=True)


def lookup_allowance_take(*, user_id: int) -> bool:
    """Count one lookup for ``user_id``; False (and nothing counted) once ``LOOKUP_RATE_LIMIT``
    lookups were made in the last ``LOOKUP_RATE_WINDOW_SECONDS``."""
    return allowance_take(
        name=f"lookups:{user_id}",
        limit=settings.LOOKUP_RATE_LIMIT,
        window_seconds=settings.LOOKUP_RATE_WINDOW_SECONDS,
    )


def allowance_take(*, name: str, limit: int, window_seconds: int) -> bool:
    """Count one use of the allowance ``name``; False (and nothing counted) once ``limit``
    uses were made in the last ``window_seconds``. The same sliding window serves the API's
    limits per connecting system and per practitioner (``api.throttles``)."""
    key = cache.make_and_validate_key(name)
    args = [limit, window_seconds * 1_000_000, secrets.token_hex(8)]
    return bool(_TAKE_SCRIPT(keys=[key], args=args, client=_client()))


def rate_limited_message() -> str:
    return RATE_LIMITED.format(minutes=settings.LOOKUP_RATE_WINDOW_SECONDS // 60)
