"""Reminders before vetting lapses (issue 14): the reader and their organisation's admins are
told ``VETTING_REMINDER_DAYS`` before a DBS check, training or agreement lapses, once per item
per expiry, however often the daily task runs.

Personas beyond ``world``: olive, organisation admin of school A (alice's school). Charlie's
school (B) has no admin here; ada, a system admin, is told nothing about school A's staff.
"""

from datetime import timedelta

import pytest

from access.models import Notification
from access.tasks import vetting_reminders_send_task
from access.vetting.reminders import vetting_reminders_send

KIND = Notification.Kind.VETTING_EXPIRY


def _lapsing_in(days: int, *, valid_days: int, today):
    """The completion date that makes an item lapse ``days`` from ``today``."""
    return today - timedelta(days=valid_days + 1 - days)


def _reminders(user):
    return list(Notification.objects.filter(recipient=user, kind=KIND))


@pytest.fixture
def lapsing_training(world, clock, settings):
    """Alice's training lapses in 20 days."""
    world.alice.training_completed_on = _lapsing_in(
        20, valid_days=settings.VETTING_TRAINING_VALID_DAYS, today=clock.date()
    )
    world.alice.save()
    return world.alice


def test_it_tells_the_reader_and_their_organisations_admins(world, olive, lapsing_training, clock):
    vetting_reminders_send(today=clock.date())
    [to_alice] = _reminders(world.alice)
    [to_olive] = _reminders(olive)
    last_day = clock.date() + timedelta(days=19)
    assert f"lapses after {last_day:%-d %B %Y}" in to_alice.subject
    assert "training" in to_alice.subject
    assert "alice" in to_olive.subject
    assert to_olive.link.endswith(f"/admin/access/user/{world.alice.pk}/change/")
    assert _reminders(world.ada) == []
    assert _reminders(world.bob) == []


def test_it_reminds_once_however_often_it_runs(world, olive, lapsing_training, clock):
    first = vetting_reminders_send(today=clock.date())
    again = vetting_reminders_send(today=clock.date())
    next_day = vetting_reminders_send(today=clock.date() + timedelta(days=1))
    assert (first, again, next_day) == (2, 0, 0)
    assert len(_reminders(world.alice)) == 1


def test_it_reminds_again_for_the_next_expiry_once_renewed(world, lapsing_training, clock):
    vetting_reminders_send(today=clock.date())
    world.alice.training_completed_on = clock.date()
    world.alice.save()
    a_year_on = clock.date() + timedelta(days=360)
    vetting_reminders_send(today=a_year_on)
    assert len(_reminders(world.alice)) == 2


@pytest.mark.parametrize("days", [31, 0, -5])
def test_it_says_nothing_outside_the_reminder_window(world, clock, settings, days):
    world.alice.agreement_signed_on = _lapsing_in(
        days, valid_days=settings.VETTING_AGREEMENT_VALID_DAYS, today=clock.date()
    )
    world.alice.save()
    vetting_reminders_send(today=clock.date())
    assert _reminders(world.alice) == []


def test_it_reminds_on_the_thirtieth_day_before(world, clock, settings):
    world.alice.dbs_checked_on = _lapsing_in(
        30, valid_days=settings.VETTING_DBS_VALID_DAYS, today=clock.date()
    )
    world.alice.save()
    vetting_reminders_send(today=clock.date())
    [reminder] = _reminders(world.alice)
    assert "enhanced DBS check" in reminder.subject


def test_it_reminds_nobody_who_does_not_read_children(world, clock, settings):
    world.sam.training_completed_on = _lapsing_in(
        10, valid_days=settings.VETTING_TRAINING_VALID_DAYS, today=clock.date()
    )
    world.sam.save()
    vetting_reminders_send(today=clock.date())
    assert _reminders(world.sam) == []


def test_it_runs_as_the_daily_beat_task(world, lapsing_training, clock):
    assert vetting_reminders_send_task.apply().get() == 1
    assert vetting_reminders_send_task.apply().get() == 0
