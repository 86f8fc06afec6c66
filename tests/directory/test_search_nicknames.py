"""Search finds a child by a nickname, a swapped day and month, or a former surname, and
still never outside the searcher's scope."""

from datetime import date

import pytest

from directory.normalise import date_of_birth_readings, given_name_variants
from tests.factories import ChildFactory, InvolvementFactory

SEARCH = "/search/"


def _search(client, **params):
    params.setdefault("purpose", "current_involvement")
    return client.get(SEARCH, params)


def _pupil(world, **fields):
    child = ChildFactory(local_authority=world.leeds, **fields)
    InvolvementFactory(child=child, organisation=world.school_a)
    return child


@pytest.mark.parametrize(
    ("typed", "recorded"), [("Bill", "William"), ("Peggy", "Margaret"), ("Harry", "Henry")]
)
def test_it_finds_a_child_recorded_under_the_formal_name_by_a_nickname(
    world, as_user, typed, recorded
):
    _pupil(world, given_name=recorded, family_name="Ashworth")
    response = _search(as_user(world.alice), family_name="Ashworth", given_name=typed)
    assert f"{recorded} Ashworth".encode() in response.content


def test_it_finds_a_child_recorded_under_a_nickname_by_the_formal_name(world, as_user):
    _pupil(world, given_name="Alfie", family_name="Ashworth")
    response = _search(as_user(world.alice), family_name="Ashworth", given_name="Alfred")
    assert b"Alfie Ashworth" in response.content


def test_it_does_not_treat_an_unrelated_given_name_as_a_nickname(world, as_user):
    # The family name agrees, so William may be offered, but only as a possible match
    # whose given name differs: never as a match, and never as Peggy's nickname.
    _pupil(world, given_name="William", family_name="Ashworth")
    body = _search(as_user(world.alice), family_name="Ashworth", given_name="Peggy").content
    assert b"short form or nickname" not in body
    assert b">Matches</h3>" not in body and b">Match</h3>" not in body
    assert b"Given name differs" in body


def test_it_finds_a_child_whose_day_and_month_were_swapped(world, as_user):
    _pupil(world, given_name="Ruby", family_name="Ashworth", date_of_birth=date(2014, 3, 7))
    response = _search(as_user(world.alice), family_name="Ashworth", date_of_birth="2014-07-03")
    assert b"Ruby Ashworth" in response.content


def test_it_ranks_the_date_as_typed_above_the_swapped_reading(world, as_user):
    _pupil(world, given_name="Ruby", family_name="Ashworth", date_of_birth=date(2014, 3, 7))
    _pupil(world, given_name="Rosa", family_name="Ashworth", date_of_birth=date(2014, 7, 3))
    content = _search(
        as_user(world.alice), family_name="Ashworth", date_of_birth="2014-07-03"
    ).content
    assert content.index(b"Rosa Ashworth") < content.index(b"Ruby Ashworth")


def test_it_finds_a_child_by_a_former_surname(world, as_user):
    _pupil(world, given_name="Ava", family_name="Pemberton", former_names=["Ava Ashworth"])
    response = _search(as_user(world.alice), family_name="Ashworth")
    assert b"Ava Pemberton" in response.content


def test_it_gives_local_authority_staff_sound_alike_names_only_in_their_authority(world, as_user):
    ChildFactory(given_name="Amy", family_name="Smith", local_authority=world.leeds)
    ChildFactory(given_name="Ivy", family_name="Smith", local_authority=world.kent)
    response = _search(as_user(world.dora), family_name="Smyth")
    assert b"Amy Smith" in response.content
    assert b"Ivy Smith" not in response.content


def test_it_never_shows_a_child_outside_scope_found_by_nickname_or_swapped_date(world, as_user):
    ChildFactory(
        given_name="William",
        family_name="Ashworth",
        date_of_birth=date(2014, 3, 7),
        local_authority=world.kent,
    )
    response = _search(
        as_user(world.alice), family_name="Ashworth", given_name="Bill", date_of_birth="2014-07-03"
    )
    assert b"William" not in response.content
    assert b"No children found" in response.content


def test_it_reads_nicknames_from_the_table_in_both_directions():
    assert "william" in given_name_variants("Bill")
    assert "bill" in given_name_variants("william")
    assert {"henry", "harold"} <= set(given_name_variants("Harry"))
    assert given_name_variants("Zendaya") == ["zendaya"]


def test_it_offers_the_swapped_reading_only_when_it_is_a_different_real_date():
    assert date_of_birth_readings(date(2014, 3, 7)) == [date(2014, 3, 7), date(2014, 7, 3)]
    assert date_of_birth_readings(date(2014, 3, 13)) == [date(2014, 3, 13)]
    assert date_of_birth_readings(date(2014, 5, 5)) == [date(2014, 5, 5)]
