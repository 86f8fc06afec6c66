"""The API answers through the gateway, for both parties, and audits both."""

import pytest

from audit.models import AccessEvent
from tests.factories import ChildFactory, InvolvementFactory

PURPOSE = "current_involvement"


def test_it_searches_for_the_practitioner(world, api_call, school_system):
    response = api_call("/api/v1/children/", family_name="Thompson", purpose=PURPOSE)
    assert response.status_code == 200
    ids = [child["public_id"] for child in response.json()["children"]]
    assert ids == [world.maya.public_id]


def test_it_records_both_parties_in_the_search_event(world, api_call, school_system):
    api_call("/api/v1/children/", family_name="Thompson", purpose=PURPOSE)
    event = AccessEvent.objects.get(action=AccessEvent.Action.SEARCH)
    assert (event.actor_id, event.api_client) == (world.alice.pk, school_system.client_id)
    assert event.result_ids == [world.maya.public_id]


def test_it_opens_a_record_in_scope(world, api_call):
    response = api_call(f"/api/v1/children/{world.maya.public_id}/", purpose=PURPOSE)
    assert response.status_code == 200
    assert response.json()["family_name"] == "Thompson"
    event = AccessEvent.objects.get(child_public_id=world.maya.public_id)
    assert event.api_client is not None


def test_out_of_scope_and_missing_records_answer_alike(world, api_call):
    outside = api_call(f"/api/v1/children/{world.kent_child.public_id}/", purpose=PURPOSE)
    missing = api_call(f"/api/v1/children/{'a' * 26}/", purpose=PURPOSE)
    assert outside.status_code == missing.status_code == 404
    assert outside.content == missing.content
    assert outside["Content-Type"] == missing["Content-Type"] == "application/problem+json"
    assert world.kent_child.public_id.encode() not in outside.content


def test_a_shielded_child_shows_identity_only(world, api_call):
    child = ChildFactory(family_name="Hidden", local_authority=world.leeds, shielded=True)
    InvolvementFactory(child=child, organisation=world.school_a)
    record = api_call(f"/api/v1/children/{child.public_id}/", purpose=PURPOSE).json()
    assert record["identity_only"] is True
    assert (record["address"], record["carers"], record["services"]) == ([], [], [])


def test_it_refuses_a_system_whose_organisation_lost_its_accreditation(world, api_call):
    assert api_call("/api/v1/me/notifications/").status_code == 200
    world.school_a.accredited = False
    world.school_a.save()
    response = api_call("/api/v1/children/", family_name="Thompson", purpose=PURPOSE)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_an_unvetted_practitioner_is_refused_by_the_gateway(world, api_call):
    world.alice.dbs_checked_on = None
    world.alice.save()
    response = api_call("/api/v1/children/", family_name="Thompson", purpose=PURPOSE)
    assert response.status_code == 403
    assert response.json()["reasons"]
    assert AccessEvent.objects.filter(action=AccessEvent.Action.REFUSED).exists()


def test_a_bad_query_is_a_problem_naming_the_field(api_call):
    response = api_call("/api/v1/children/", family_name="Thompson")
    assert response.status_code == 400
    assert "purpose" in response.json()["errors"]


@pytest.mark.parametrize(
    "path", ["/api/v1/children/", "/api/v1/me/notifications/", "/api/v1/me/access-requests/"]
)
def test_without_credentials_every_endpoint_answers_401(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_an_unknown_api_address_is_a_problem(client):
    response = client.get("/api/v1/nowhere/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/children/?family_name=Thompson&purpose=referral",
        "/api/v1/me/notifications/",
        "/api/v1/me/access-requests/",
    ],
)
def test_a_signed_in_browser_session_gets_nothing(world, as_user, path):
    """Rule: the API takes no session, even one with a verified second factor, so a page
    elsewhere cannot drive a signed-in practitioner's browser into it."""
    response = as_user(world.alice).get(path)
    assert response.status_code == 401
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.SEARCH).exists()
