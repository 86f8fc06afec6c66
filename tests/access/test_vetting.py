"""Rule: searching needs an accredited organisation and a current DBS check, training and
signed user agreement; the refusal says which, and is audited."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AccessEvent

SEARCH = {"family_name": "Thompson", "purpose": "referral"}


def _years_ago(years: int):
    return timezone.localdate() - timedelta(days=365 * years + 1)


@pytest.mark.calendar
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("dbs_checked_on", "old", b"DBS check is missing or more than 3 years old"),
        ("dbs_checked_on", None, b"DBS check is missing"),
        ("training_completed_on", None, b"training is missing or has expired"),
        ("agreement_signed_on", "old", b"user agreement is missing or has expired"),
    ],
)
def test_it_refuses_a_user_whose_vetting_lapsed(world, as_user, field, value, message):
    setattr(world.alice, field, _years_ago(4) if value == "old" else None)
    world.alice.save()
    response = as_user(world.alice).get("/search/", SEARCH)
    assert response.status_code == 403
    assert message in response.content
    assert b"Maya" not in response.content


def test_it_refuses_staff_of_an_organisation_that_is_not_accredited(world, as_user):
    world.school_a.accredited = False
    world.school_a.save()
    response = as_user(world.alice).get("/search/", SEARCH)
    assert b"organisation is not accredited" in response.content


@pytest.mark.calendar
def test_it_accepts_a_dbs_check_just_under_three_years_old(world, as_user):
    world.alice.dbs_checked_on = timezone.localdate() - timedelta(days=3 * 365 - 1)
    world.alice.save()
    assert as_user(world.alice).get("/search/", SEARCH).status_code == 200


@pytest.mark.calendar
def test_it_refuses_a_dbs_check_a_day_over_three_years_old(world, as_user):
    world.alice.dbs_checked_on = timezone.localdate() - timedelta(days=3 * 365 + 1)
    world.alice.save()
    assert as_user(world.alice).get("/search/", SEARCH).status_code == 403


def test_it_audits_the_refusal_with_its_reason(world, as_user):
    world.alice.training_completed_on = None
    world.alice.save()
    as_user(world.alice).get("/search/", SEARCH)
    event = AccessEvent.objects.get(action="refused")
    assert "training" in event.reason
    assert event.criteria == {"family_name": "Thompson"}


def test_it_refuses_lookups_past_the_rate_limit(world, as_user, settings):
    settings.LOOKUP_RATE_LIMIT = 3
    client = as_user(world.alice)
    for _ in range(3):
        assert client.get("/search/", SEARCH).status_code == 200
    response = client.get("/search/", SEARCH)
    assert response.status_code == 403
    assert b"more children in a short time" in response.content
    assert AccessEvent.objects.filter(action="refused", actor_id=world.alice.pk).exists()


def test_it_counts_the_limit_per_user(world, as_user, settings):
    settings.LOOKUP_RATE_LIMIT = 1
    as_user(world.alice).get("/search/", SEARCH)
    assert as_user(world.bob).get("/search/", SEARCH).status_code == 200
