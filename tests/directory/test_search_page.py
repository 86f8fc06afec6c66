"""The search page before anything is typed: the unvetted are told why a search would be
refused, and roles that cannot search are told what their role is for (issue 17, point 2)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from access.models import Role
from audit.models import AccessEvent
from tests.factories import UserFactory

WARNING = b"You cannot search at the moment"


def _lapse_dbs(user) -> None:
    user.dbs_checked_on = timezone.localdate() - timedelta(days=4 * 365)
    user.save()


def test_it_shows_a_vetted_practitioner_the_form_and_no_warning(world, as_user):
    response = as_user(world.alice).get("/search/")
    assert response.status_code == 200
    assert b'id="id_family_name"' in response.content
    assert WARNING not in response.content


@pytest.mark.calendar
def test_it_warns_a_practitioner_whose_dbs_check_lapsed_before_they_search(world, as_user, clock):
    _lapse_dbs(world.alice)
    response = as_user(world.alice).get("/search/")
    assert b"govuk-warning-text" in response.content
    assert WARNING in response.content
    assert b"DBS check is missing or more than 3 years old" in response.content
    assert b'id="id_family_name"' in response.content


def test_it_warns_staff_of_an_organisation_that_is_not_accredited(world, as_user):
    world.school_b.accredited = False
    world.school_b.save()
    response = as_user(world.charlie).get("/search/")
    assert b"organisation is not accredited" in response.content
    assert WARNING not in as_user(world.alice).get("/search/").content


@pytest.mark.calendar
def test_it_keeps_the_warning_when_the_form_comes_back_with_errors(world, as_user, clock):
    _lapse_dbs(world.alice)
    response = as_user(world.alice).get("/search/", {"given_name": "Maya"})
    assert response.status_code == 400
    assert WARNING in response.content


@pytest.mark.calendar
def test_it_still_refuses_and_audits_a_search_made_despite_the_warning(world, as_user, clock):
    _lapse_dbs(world.alice)
    client = as_user(world.alice)
    response = client.get("/search/", {"family_name": "Thompson", "purpose": "referral"})
    assert response.status_code == 403
    assert b"Maya" not in response.content
    assert AccessEvent.objects.filter(actor_id=world.alice.pk, action="refused").exists()


def test_it_tells_a_supervisor_what_their_role_is_for_instead_of_the_form(world, as_user):
    response = as_user(world.sam).get("/search/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Finding a child is not part of your role" in body
    assert 'href="/supervision/"' in body
    assert 'id="id_family_name"' not in body


@pytest.mark.parametrize(
    ("role", "staff", "landing"),
    [(Role.AUDITOR, True, "/supervision/escalations/"), (Role.SYSTEM_ADMIN, True, "/admin/")],
)
def test_it_links_other_non_readers_to_their_landing_page(as_user, world, role, staff, landing):
    user = UserFactory(organisation=None, role=role, is_staff=staff)
    body = as_user(user).get("/search/").content.decode()
    assert f'href="{landing}"' in body
    assert 'id="id_family_name"' not in body


def test_it_points_a_non_reader_who_searches_anyway_to_their_own_work(world, as_user):
    response = as_user(world.sam).get(
        "/search/", {"family_name": "Thompson", "purpose": "referral"}
    )
    assert response.status_code == 403
    assert b"does not give access to children" in response.content
    assert b'href="/supervision/"' in response.content
    assert b"Ask your organisation" not in response.content


def test_it_sends_the_results_to_the_top_of_a_phone_screen(world, as_user):
    client = as_user(world.alice)
    assert b'action="/search/#results"' in client.get("/search/").content
    response = client.get("/search/", {"family_name": "Thompson", "purpose": "referral"})
    assert b'id="results" tabindex="-1"' in response.content
