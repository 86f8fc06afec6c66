"""The lookup limit holds over any window, not per clock-aligned window (issue 14, finding 9).

With a fixed window a script could make the limit's worth of lookups just before a window
ended and as many again just after: 240 searches in 49 seconds. Bob, alice's colleague, is
the one whose allowance alice's lookups must not touch.

These tests run on the real clock with a two-second window, so each takes a few seconds.
"""

import time

import pytest

from access.gateway.rate import lookup_allowance_take

SEARCH = {"family_name": "Thompson", "purpose": "referral"}
WINDOW = 2


@pytest.fixture
def short_window(settings):
    settings.LOOKUP_RATE_LIMIT = 3
    settings.LOOKUP_RATE_WINDOW_SECONDS = WINDOW


def _wait_until_phase(phase: float) -> None:
    """Sleep until ``phase`` seconds into the current (or next) clock-aligned window: where a
    fixed window would have started its count."""
    time.sleep((phase - time.time()) % WINDOW)


def test_it_refuses_a_burst_that_crosses_where_a_fixed_window_ended(world, short_window):
    _wait_until_phase(WINDOW - 0.5)
    assert all(lookup_allowance_take(user_id=world.alice.pk) for _ in range(3))
    _wait_until_phase(0.1)
    assert not lookup_allowance_take(user_id=world.alice.pk)
    assert lookup_allowance_take(user_id=world.bob.pk)


def test_it_gives_the_allowance_back_as_lookups_age_out(world, short_window):
    assert all(lookup_allowance_take(user_id=world.alice.pk) for _ in range(3))
    assert not lookup_allowance_take(user_id=world.alice.pk)
    time.sleep(WINDOW + 0.1)
    assert lookup_allowance_take(user_id=world.alice.pk)


def test_it_does_not_count_refused_lookups(world, short_window):
    for _ in range(3):
        lookup_allowance_take(user_id=world.alice.pk)
    time.sleep(WINDOW / 2)
    for _ in range(5):
        assert not lookup_allowance_take(user_id=world.alice.pk)
    time.sleep(WINDOW / 2 + 0.1)
    assert lookup_allowance_take(user_id=world.alice.pk)


def test_it_refuses_the_search_across_the_old_boundary(world, as_user, short_window):
    alice, bob = as_user(world.alice), as_user(world.bob)
    _wait_until_phase(WINDOW - 0.6)
    for _ in range(3):
        assert alice.get("/search/", SEARCH).status_code == 200
    _wait_until_phase(0.1)
    refused = alice.get("/search/", SEARCH)
    assert refused.status_code == 403
    assert b"Maya" not in refused.content
    assert b"more children in a short time" in refused.content
    assert b"Maya Thompson" in bob.get("/search/", SEARCH).content
