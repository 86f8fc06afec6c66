"""Search: scoped in SQL, typo tolerant, capped, audited."""

from datetime import date

import pytest

from audit.models import AccessEvent
from tests.factories import ChildFactory, InvolvementFactory

SEARCH = "/search/"


def _search(client, **params):
    params.setdefault("purpose", "current_involvement")
    return client.get(SEARCH, params)


def test_it_finds_a_child_its_organisation_works_with(world, as_user):
    response = _search(as_user(world.alice), family_name="Thompson")
    assert response.status_code == 200
    assert b"Maya Thompson" in response.content


def test_it_hides_a_child_outside_scope_even_when_the_name_matches(world, as_user):
    response = _search(as_user(world.alice), family_name="Thompson")
    assert b"Oliver" not in response.content


def test_it_shows_the_colleague_the_same_children(world, as_user):
    response = _search(as_user(world.bob), family_name="Thompson")
    assert b"Maya Thompson" in response.content


def test_it_finds_nothing_for_a_practitioner_in_another_organisation(world, as_user):
    response = _search(as_user(world.charlie), family_name="Thompson")
    assert b"Maya" not in response.content
    assert b"No children found" in response.content


def test_it_gives_local_authority_staff_every_child_living_in_the_authority(world, as_user):
    response = _search(as_user(world.dora), family_name="Thompson")
    assert b"Maya Thompson" in response.content
    assert b"Oliver" not in response.content


def test_it_ignores_an_ended_involvement(world, as_user):
    InvolvementFactory(
        child=world.kent_child, organisation=world.school_b, ended_on=date(2021, 7, 20)
    )
    response = _search(as_user(world.charlie), family_name="Thompson")
    assert b"Oliver" not in response.content


@pytest.mark.parametrize("typed", ["Thomson", "Tompson", "thompson", "THOMPSON", "Thompsen"])
def test_it_tolerates_typos_and_case(world, as_user, typed):
    response = _search(as_user(world.alice), family_name=typed)
    assert b"Maya Thompson" in response.content


def test_it_matches_names_that_sound_alike(world, as_user):
    smith = ChildFactory(given_name="Amy", family_name="Smith", local_authority=world.leeds)
    InvolvementFactory(child=smith, organisation=world.school_a)
    response = _search(as_user(world.alice), family_name="Smyth")
    assert b"Amy Smith" in response.content


def test_it_matches_accented_names_typed_without_accents(world, as_user):
    zoe = ChildFactory(given_name="Zoë", family_name="Müller", local_authority=world.leeds)
    InvolvementFactory(child=zoe, organisation=world.school_a)
    response = _search(as_user(world.alice), family_name="Muller")
    assert "Zoë Müller" in response.content.decode()


def test_it_narrows_by_date_of_birth(world, as_user):
    twin = ChildFactory(
        given_name="Mia",
        family_name="Thompson",
        date_of_birth=date(2016, 1, 2),
        local_authority=world.leeds,
    )
    InvolvementFactory(child=twin, organisation=world.school_a)
    response = _search(as_user(world.alice), family_name="Thompson", date_of_birth="2016-01-02")
    assert b"Mia Thompson" in response.content
    assert b"Maya Thompson" not in response.content


def test_it_narrows_by_postcode_in_any_spacing(world, as_user):
    response = _search(as_user(world.alice), family_name="Thompson", postcode="ls14ap")
    assert b"Maya Thompson" in response.content
    response = _search(as_user(world.alice), family_name="Thompson", postcode="LS2 9JT")
    assert b"Maya Thompson" not in response.content


def test_it_narrows_by_the_outward_code_alone(world, as_user):
    """The postcode is held sealed: the outward code is found through its own blind index."""
    response = _search(as_user(world.alice), family_name="Thompson", postcode="LS1")
    assert b"Maya Thompson" in response.content
    assert b"LS1 4AP" in response.content
    response = _search(as_user(world.alice), family_name="Thompson", postcode="LS14")
    assert b"Maya Thompson" not in response.content


def test_it_never_finds_a_shielded_child_by_postcode(world, as_user):
    world.maya.shielded = True
    world.maya.save()
    response = _search(as_user(world.alice), family_name="Thompson", postcode="LS1 4AP")
    assert b"Maya" not in response.content


def test_it_shows_a_shielded_child_without_where_they_live(world, as_user):
    world.maya.shielded = True
    world.maya.save()
    response = _search(as_user(world.alice), family_name="Thompson")
    assert b"Maya Thompson" in response.content
    assert b"LS1 4AP" not in response.content


def test_it_caps_results_and_asks_for_more_detail(world, as_user, settings):
    settings.SEARCH_RESULT_CAP = 3
    for n in range(5):
        child = ChildFactory(
            given_name=f"Kid{'abcde'[n]}", family_name="Thompson", local_authority=world.leeds
        )
        InvolvementFactory(child=child, organisation=world.school_a)
    response = _search(as_user(world.alice), family_name="Thompson")
    assert response.content.count(b'href="/children/') == 3
    assert b"More children match than can be shown" in response.content


def test_it_requires_a_family_name_with_a_clear_error(world, as_user):
    response = _search(as_user(world.alice), family_name="", given_name="Maya")
    assert response.status_code == 400
    assert b"Enter the child&#x27;s family name" in response.content


def test_it_rejects_a_malformed_date_and_keeps_what_was_typed(world, as_user):
    response = _search(as_user(world.alice), family_name="Thompson", date_of_birth="27/03/2015")
    assert response.status_code == 400
    assert b"Date of birth must be a real date" in response.content
    assert b'value="Thompson"' in response.content


@pytest.mark.parametrize("family_name", ["D\u2019Alia", "H.-Dieter", "St. John", "O'Neill"])
def test_it_accepts_names_as_people_write_them(world, as_user, family_name):
    # Seen in a generated world of real name frequencies: a typographic apostrophe (pasted
    # from a letter) and an initial joined by a hyphen were refused as not names.
    assert _search(as_user(world.alice), family_name=family_name).status_code == 200


def test_it_refuses_digits_in_a_name_with_a_clear_error(world, as_user):
    response = _search(as_user(world.alice), family_name="Th0mpson")
    assert response.status_code == 400
    assert b"Family name must only include letters" in response.content


def test_it_requires_a_purpose(world, as_user):
    response = as_user(world.alice).get(SEARCH, {"family_name": "Thompson"})
    assert response.status_code == 400
    assert b"Select why you are searching" in response.content


def test_it_writes_one_audit_event_with_criteria_and_result_ids(world, as_user):
    _search(as_user(world.alice), family_name="Thompson", purpose="referral")
    event = AccessEvent.objects.get(action=AccessEvent.Action.SEARCH)
    assert event.actor_id == world.alice.pk
    assert event.organisation_id == world.school_a.pk
    assert event.purpose == "referral"
    assert event.criteria == {"family_name": "Thompson"}
    assert event.result_ids == [world.maya.public_id]


def test_it_audits_a_search_that_found_nothing(world, as_user):
    _search(as_user(world.charlie), family_name="Thompson")
    event = AccessEvent.objects.get(action=AccessEvent.Action.SEARCH)
    assert event.outcome == AccessEvent.Outcome.NOT_FOUND
    assert event.result_ids == []


def test_it_marks_search_pages_no_store(world, as_user):
    response = _search(as_user(world.alice), family_name="Thompson")
    assert response["Cache-Control"] == "no-store"


def test_a_search_page_runs_a_bounded_number_of_statements(
    world, as_user, django_assert_max_num_queries, settings
):
    # Per page: the user with their organisation, their TOTP device, the search (with its
    # transaction, planner settings, name keys and audit insert), the unread count and
    # "leads a team". Sessions live in Redis; the matcher's weights are cached in the
    # process, as in production. A new per-request query shows up here first.
    settings.MATCH_MODEL_CACHE_SECONDS = 600
    client = as_user(world.alice)
    _search(client, family_name="Thompson")
    with django_assert_max_num_queries(10):
        assert _search(client, family_name="Thompson").status_code == 200
