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

The same script takes several allowances at once, all or none (an API call counts against
its system and its practitioner, ``api.throttles``), and first asks whether any of a few
keys is set (the API's failed-authentication lock-out, ``api.auth_failures``): one round
trip to Redis for all of them.
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from django.conf import settings
from django.core.cache import cache
from redis.commands.core import Script

RATE_LIMITED = (
    "You have looked up more children in a short time than ContactPoint allows. "
    "Wait {minutes} minutes and try again, or ask your supervisor if you need more."
)

# KEYS: ARGV[1] blocking keys, then one sorted set per allowance. ARGV: the number of
# blocking keys, a unique member, then each allowance's limit and window in microseconds.
# Returns -1 (a blocking key is set), 0 (an allowance is full) or 1 (each one counted); on
# -1 and 0 nothing is counted. Scores are microseconds since the epoch: exact in a double
# until the year 2255.
_TAKE = """
local blocking = tonumber(ARGV[1])
for i = 1, blocking do
    if redis.call('EXISTS', KEYS[i]) == 1 then
        return -1
    end
end
local now = redis.call('TIME')
local now_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
for i = blocking + 1, #KEYS do
    local at = 3 + 2 * (i - blocking - 1)
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now_us - tonumber(ARGV[at + 1]))
    if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[at]) then
        return 0
    end
end
for i = blocking + 1, #KEYS do
    local at = 3 + 2 * (i - blocking - 1)
    redis.call('ZADD', KEYS[i], now_us, ARGV[2])
    redis.call('PEXPIRE', KEYS[i], math.floor(tonumber(ARGV[at + 1]) / 1000) + 1000)
end
return 1
"""


# Sent by its SHA1 (EVALSHA) and loaded again whenever Redis has forgotten it; always run with
# an explicit client, so it is registered to none.
_TAKE_SCRIPT = Script(None, _TAKE.encode())


@dataclass(frozen=True)
class Allowance:
    """At most ``limit`` uses of ``name`` in any ``window_seconds``."""

    name: str
    limit: int
    window_seconds: int


class Taken(IntEnum):
    BLOCKED = -1  # a blocking key was set: nothing counted
    REFUSED = 0  # an allowance was used up: nothing counted
    TAKEN = 1  # one use counted against each allowance


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
    uses were made in the last ``window_seconds``."""
    return allowances_take([Allowance(name, limit, window_seconds)]) is Taken.TAKEN


def allowances_take(allowances: Sequence[Allowance], *, unless_set: Sequence[str] = ()) -> Taken:
    """One use of every allowance, or of none: ``BLOCKED`` if any cache key named in
    ``unless_set`` exists, ``REFUSED`` if any allowance is used up, else ``TAKEN``. One
    round trip to Redis."""
    keys = [cache.make_and_validate_key(name) for name in unless_set]
    keys += [cache.make_and_validate_key(allowance.name) for allowance in allowances]
    args = take_script_args(allowances, blocking=len(unless_set))
    return Taken(_TAKE_SCRIPT(keys=keys, args=args, client=_client()))


def take_script_args(allowances: Sequence[Allowance], *, blocking: int = 0) -> list:
    """The script's ARGV for ``allowances`` after ``blocking`` keys (see ``_TAKE``)."""
    args: list = [blocking, secrets.token_hex(8)]
    for allowance in allowances:
        args += [allowance.limit, allowance.window_seconds * 1_000_000]
    return args


def rate_limited_message() -> str:
    return RATE_LIMITED.format(minutes=settings.LOOKUP_RATE_WINDOW_SECONDS // 60)
