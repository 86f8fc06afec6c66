"""The search's date of birth is the GOV.UK date input (issue 17, point 9): three fields, GOV.UK
error messages, what was typed kept; the single ``date_of_birth=YYYY-MM-DD`` parameter of the
outside contract keeps working."""

import pytest

from audit.models import AccessEvent

SEARCH = "/search/"


def _search(client, **params):
    params.setdefault("purpose", "current_involvement")
    params.setdefault("family_name", "Thompson")
    return client.get(SEARCH, params)


def _three(day, month, year):
    return {"date_of_birth-day": day, "date_of_birth-month": month, "date_of_birth-year": year}


def test_it_shows_three_fields_and_no_date_picker(world, as_user):
    page = as_user(world.alice).get(SEARCH).content.decode()
    assert 'type="date"' not in page
    for part in ("day", "month", "year"):
        assert f'name="date_of_birth-{part}"' in page
    assert 'inputmode="numeric"' in page


def test_it_finds_the_child_by_day_month_and_year(world, as_user):
    born = world.maya.date_of_birth
    response = _search(as_user(world.alice), **_three(born.day, born.month, born.year))
    assert response.status_code == 200
    assert b"Maya Thompson" in response.content
    event = AccessEvent.objects.get(action="search")
    assert event.criteria["date_of_birth"] == born.isoformat()


def test_it_still_takes_the_single_contract_parameter(world, as_user):
    born = world.maya.date_of_birth
    response = _search(as_user(world.alice), date_of_birth=born.isoformat())
    assert response.status_code == 200
    assert b"Maya Thompson" in response.content
    assert f'name="date_of_birth-day" type="text" inputmode="numeric" value="{born.day}"' in (
        response.content.decode()
    )


def test_it_says_an_impossible_date_must_be_real_and_keeps_what_was_typed(world, as_user):
    response = _search(as_user(world.alice), **_three("31", "2", "2015"))
    page = response.content.decode()
    assert response.status_code == 400
    assert 'class="govuk-error-summary"' in page
    assert "Date of birth must be a real date" in page
    assert 'href="#id_date_of_birth-day"' in page
    assert 'value="31"' in page and 'value="2"' in page and 'value="2015"' in page
    assert not AccessEvent.objects.filter(action="search").exists()


def test_it_says_an_impossible_single_parameter_must_be_real(world, as_user):
    response = _search(as_user(world.alice), date_of_birth="2015-02-30")
    assert response.status_code == 400
    assert b"Date of birth must be a real date" in response.content
    assert b'value="30"' in response.content


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("27", "", "2015"), "Date of birth must include a month"),
        (("", "", "2015"), "Date of birth must include a day and month"),
        (("27", "3", "15"), "Year must include 4 numbers"),
        (("27", "March", "2015"), "Date of birth must be a real date"),
    ],
)
def test_it_names_what_is_missing_or_wrong(world, as_user, parts, message):
    response = _search(as_user(world.alice), **_three(*parts))
    assert response.status_code == 400
    assert message in response.content.decode()


def test_it_keeps_the_future_date_rule(world, as_user):
    response = _search(as_user(world.alice), **_three("1", "1", "2999"))
    assert b"Date of birth must be today or in the past" in response.content


def test_a_date_alone_counts_as_a_submission(world, as_user):
    response = as_user(world.alice).get(SEARCH, _three("27", "3", "2015"))
    assert response.status_code == 400
    assert b"Enter the child&#x27;s family name" in response.content
    assert b'value="27"' in response.content


def test_the_practitioner_in_another_organisation_still_finds_nothing(world, as_user):
    born = world.maya.date_of_birth
    response = _search(as_user(world.charlie), **_three(born.day, born.month, born.year))
    assert b"Maya" not in response.content
