"""Several allowances taken at once (access.gateway.rate.allowances_take): all or none, and
none while a blocking key is set. The API takes its two rate limits and asks its lock-out
this way, in one round trip to Redis (issue 19)."""

import time

from django.core.cache import cache

from access.gateway.rate import Allowance, Taken, allowance_take, allowances_take

WINDOW = 60


def _pair(first_limit: int, second_limit: int) -> list[Allowance]:
    return [Allowance("first", first_limit, WINDOW), Allowance("second", second_limit, WINDOW)]


def test_each_allowance_is_counted_once():
    assert allowances_take(_pair(2, 2)) is Taken.TAKEN
    assert allowances_take(_pair(2, 2)) is Taken.TAKEN
    assert allowances_take(_pair(2, 2)) is Taken.REFUSED


def test_refused_by_one_counts_against_none():
    assert allowances_take(_pair(5, 1)) is Taken.TAKEN
    for _ in range(3):
        assert allowances_take(_pair(5, 1)) is Taken.REFUSED
    # "first" was counted once only: four more fit.
    assert all(allowance_take(name="first", limit=5, window_seconds=WINDOW) for _ in range(4))
    assert not allowance_take(name="first", limit=5, window_seconds=WINDOW)


def test_a_blocking_key_refuses_and_counts_nothing():
    cache.set("locked", 1, timeout=WINDOW)
    for _ in range(3):
        assert allowances_take(_pair(1, 1), unless_set=["free", "locked"]) is Taken.BLOCKED
    assert allowances_take(_pair(1, 1), unless_set=["free"]) is Taken.TAKEN


def test_a_blocking_key_that_expired_blocks_no_more():
    cache.set("locked", 1, timeout=1)
    time.sleep(1.1)
    assert allowances_take(_pair(1, 1), unless_set=["locked"]) is Taken.TAKEN
