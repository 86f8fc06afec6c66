"""The admin's user list shows when each user's vetting lapses and filters on it, so an
organisation admin can chase renewals before searches are refused (issue 17, point 9)."""

from datetime import timedelta

from django.utils import timezone

from access.models import VETTING_ITEMS, vetting_lapses_on

USERS = "/admin/access/user/"


def _lapsing_in(days: int, *, valid_days: int):
    return timezone.localdate() - timedelta(days=valid_days + 1 - days)


def _world_with_lapses(world, settings):
    """Alice's training lapses in 20 days; Bob's DBS check is missing; Sam's is current."""
    world.alice.training_completed_on = _lapsing_in(
        20, valid_days=settings.VETTING_TRAINING_VALID_DAYS
    )
    world.alice.save()
    world.bob.dbs_checked_on = None
    world.bob.save()


def _listed(client, query=""):
    page = client.get(USERS + query).content.decode()
    return {name for name in ("alice", "bob", "sam", "charlie") if f">{name}<" in page}


def test_it_dates_the_lapse_at_the_earliest_item(world, settings):
    _world_with_lapses(world, settings)
    alice = world.alice
    assert vetting_lapses_on(alice) == min(item.lapses_on(alice) for item in VETTING_ITEMS)
    assert vetting_lapses_on(alice) == timezone.localdate() + timedelta(days=20)
    assert vetting_lapses_on(world.bob) is None


def test_it_shows_the_lapse_column(world, olive, as_user, settings):
    _world_with_lapses(world, settings)
    page = as_user(olive).get(USERS).content.decode()
    assert "Vetting lapses on" in page
    assert "Evidence missing" in page


def test_it_filters_users_whose_vetting_lapses_soon(world, olive, as_user, settings):
    _world_with_lapses(world, settings)
    assert _listed(as_user(olive), "?vetting=soon") == {"alice"}


def test_it_filters_users_whose_vetting_has_lapsed(world, olive, as_user, settings):
    _world_with_lapses(world, settings)
    assert _listed(as_user(olive), "?vetting=lapsed") == {"bob"}


def test_it_filters_users_whose_vetting_is_current(world, olive, as_user, settings):
    _world_with_lapses(world, settings)
    listed = _listed(as_user(olive), "?vetting=current")
    assert "sam" in listed and not {"alice", "bob"} & listed


def test_it_never_lists_another_organisations_user_whatever_the_filter(world, olive, as_user):
    for value in ("", "?vetting=soon", "?vetting=lapsed", "?vetting=current"):
        assert "charlie" not in _listed(as_user(olive), value)
