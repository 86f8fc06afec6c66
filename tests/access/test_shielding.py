"""Shielding: identity only for those in scope, brokered contact through the local
authority's management team, the full record for that authority's data managers only."""

import pytest

from access.models import Notification
from audit.models import AccessEvent

from .past_ceiling import user_past_ceiling

PRIVATE = ("12 Refuge Road", "07700 900123", "Dr Priya Shah", "LS1 4AP")


def record_url(child, purpose="safeguarding_concern") -> str:
    public_id = getattr(child, "public_id", child)
    return f"/children/{public_id}/?purpose={purpose}"


def _contact(client, child, message="Please ask the family to call the school office."):
    return client.post(
        f"/children/{child.public_id}/request-contact/",
        {"purpose": "safeguarding_concern", "message": message},
    )


def test_it_shows_only_identity_to_a_practitioner_in_scope(shield_world, as_user):
    body = as_user(shield_world.alice).get(record_url(shield_world.maya)).content.decode()
    assert "Maya Thompson" in body and "27 March 2015" in body
    assert not any(detail in body for detail in PRIVATE)


def test_it_shows_only_identity_to_a_social_worker_of_the_authority(shield_world, as_user):
    body = as_user(shield_world.dora).get(record_url(shield_world.maya)).content.decode()
    assert "Maya Thompson" in body
    assert not any(detail in body for detail in PRIVATE)


def test_it_offers_to_request_contact_through_the_management_team(shield_world, as_user):
    body = as_user(shield_world.alice).get(record_url(shield_world.maya)).content.decode()
    assert "Request contact" in body and "Leeds's ContactPoint management team" in body
    assert "Override the shield" not in body


def test_it_sends_a_contact_request_to_the_authoritys_data_managers(shield_world, as_user):
    response = _contact(as_user(shield_world.alice), shield_world.maya)
    assert response.status_code == 200
    told = set(
        Notification.objects.filter(kind="contact_request").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"dee", "dan"}


def test_it_confirms_the_contact_request_without_revealing_more(shield_world, as_user):
    body = _contact(as_user(shield_world.alice), shield_world.maya).content.decode()
    assert "Request sent" in body and "Leeds" in body
    assert not any(detail in body for detail in PRIVATE)


def test_it_gives_the_team_the_enquirers_details_and_purpose(shield_world, as_user):
    _contact(as_user(shield_world.alice), shield_world.maya)
    notification = Notification.objects.get(kind="contact_request", recipient=shield_world.dee)
    assert shield_world.alice.get_full_name() in notification.body
    assert shield_world.alice.email in notification.body
    assert "Safeguarding concern" in notification.body
    assert "Maya" not in notification.body
    assert "Maya Thompson" in notification.in_app_detail
    assert "call the school office" in notification.in_app_detail


def test_it_audits_a_contact_request_as_its_own_kind(shield_world, as_user):
    _contact(as_user(shield_world.alice), shield_world.maya)
    event = AccessEvent.objects.get(action="contact_request")
    assert (event.actor_id, event.child_public_id, event.outcome) == (
        shield_world.alice.pk,
        shield_world.maya.public_id,
        "ok",
    )


def test_it_answers_a_contact_request_out_of_scope_like_a_missing_child(shield_world, as_user):
    client = as_user(shield_world.charlie)
    out_of_scope = _contact(client, shield_world.maya)
    missing = _contact(client, type("Missing", (), {"public_id": "a" * 26}))
    assert out_of_scope.status_code == missing.status_code == 404
    assert out_of_scope.content == missing.content
    assert not Notification.objects.exists()


def test_it_needs_a_csrf_token_to_request_contact(shield_world, as_user):
    client = as_user(shield_world.alice)
    client.handler.enforce_csrf_checks = True
    assert _contact(client, shield_world.maya).status_code == 403
    assert not Notification.objects.exists()


def test_it_shows_the_authoritys_data_manager_the_full_record(shield_world, as_user):
    body = as_user(shield_world.dee).get(record_url(shield_world.maya)).content.decode()
    assert all(detail in body for detail in PRIVATE)
    assert "you manage shielding for Leeds" in body


def test_it_audits_the_data_managers_full_view_as_its_own_kind(shield_world, as_user):
    as_user(shield_world.dee).get(record_url(shield_world.maya))
    event = AccessEvent.objects.get(child_public_id=shield_world.maya.public_id)
    assert (event.action, event.outcome) == ("shield_full_view", "shown")


def test_it_audits_an_ordinary_shielded_view_as_a_view(shield_world, as_user):
    as_user(shield_world.alice).get(record_url(shield_world.maya))
    assert AccessEvent.objects.get(child_public_id=shield_world.maya.public_id).action == "view"


@pytest.mark.parametrize("persona", ["kent_dm", "school_dm"])
def test_it_shows_another_data_manager_no_more_than_their_scope(shield_world, as_user, persona):
    body = as_user(getattr(shield_world, persona)).get(record_url(shield_world.maya)).content
    assert not any(detail.encode() in body for detail in PRIVATE)


def test_it_finds_a_shielded_child_by_name_but_never_by_postcode(shield_world, as_user):
    client = as_user(shield_world.dee)
    by_name = client.get("/search/", {"family_name": "Thompson", "purpose": "referral"})
    by_postcode = client.get(
        "/search/", {"family_name": "Thompson", "postcode": "LS1 4AP", "purpose": "referral"}
    )
    assert b"Maya Thompson" in by_name.content
    assert b"Maya Thompson" not in by_postcode.content


def test_it_does_not_tell_the_management_team_when_nobody_is_registered(world, as_user):
    world.maya.shielded = True
    world.maya.save()
    user_past_ceiling(organisation=world.school_a, role="data_manager")
    body = _contact(as_user(world.alice), world.maya).content.decode()
    assert "Nobody in Leeds's management team is registered" in body
