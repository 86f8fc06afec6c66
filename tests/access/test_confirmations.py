"""Every decision and request is confirmed where the user lands (issue 17, point 7), the
supervision queue's tags are statuses, not buttons, and the shield forms name the child."""

from datetime import timedelta

import pytest
from django.utils import timezone

from access.models import ShieldChange
from audit.models import AccessEvent
from tests.factories import ChildFactory, GrantFactory

REASON = "Family moved to a refuge after domestic abuse; father must not find them."
LIFT_REASON = "Court order ended; the family has asked for the shield to be lifted."
BANNER = "govuk-notification-banner--success"


def _request(world, *, kind="emergency", status="granted", judgement="pending"):
    now = timezone.now()
    return GrantFactory(
        requester=world.alice,
        supervisor=world.sam,
        kind=kind,
        reason="immediate_risk" if kind == "emergency" else "new_involvement",
        child=world.kent_child if status == "granted" else None,
        status=status,
        granted_at=now if status == "granted" else None,
        expires_at=now + timedelta(minutes=60) if status == "granted" else None,
        judgement=judgement,
    )


@pytest.mark.parametrize(
    ("kind", "status", "judgement", "decision", "words"),
    [
        ("emergency", "granted", "pending", "endorse", "You endorsed"),
        ("emergency", "granted", "pending", "reject", "You rejected"),
        ("planned", "awaiting_approval", "not_needed", "approve", "You approved"),
        ("planned", "awaiting_approval", "not_needed", "decline", "You declined"),
    ],
)
def test_it_confirms_a_supervisors_decision(
    world, as_user, kind, status, judgement, decision, words
):
    request = _request(world, kind=kind, status=status, judgement=judgement)
    response = as_user(world.sam).post(
        f"/supervision/{request.pk}/", {"decision": decision, "note": "Checked."}, follow=True
    )
    page = response.content.decode()
    assert BANNER in page
    assert words in page and world.alice.get_full_name() in page


def test_it_shows_statuses_as_tags_and_actions_as_links(world, as_user):
    request = _request(world)
    page = as_user(world.sam).get("/supervision/").content.decode()
    assert '<strong class="govuk-tag govuk-tag--red">Not reviewed</strong>' in page
    assert f'href="/supervision/{request.pk}/">Review<span class="govuk-visually-hidden">' in page
    assert 'govuk-tag--red">Review<' not in page


@pytest.fixture
def leeds_child(shield_world):
    return ChildFactory(given_name="Ruby", family_name="Nowak", local_authority=shield_world.leeds)


def test_it_names_the_child_on_the_shield_form(shield_world, leeds_child, as_user):
    page = as_user(shield_world.dee).get(f"/children/{leeds_child.public_id}/shield/")
    body = page.content.decode()
    assert 'id="shield-subject"' in body
    assert "Ruby Nowak" in body
    assert leeds_child.date_of_birth.strftime("%-d %B %Y") in body
    assert "Write at least" in body
    event = AccessEvent.objects.get(action="shield_form_view")
    assert (event.child_public_id, event.outcome) == (leeds_child.public_id, "shown")


def test_it_answers_a_data_manager_elsewhere_as_for_a_missing_child(
    shield_world, leeds_child, as_user
):
    client = as_user(shield_world.kent_dm)
    elsewhere = client.get(f"/children/{leeds_child.public_id}/shield/")
    missing = client.get("/children/abcdefghijklmnopqrstuvwxyz/shield/")
    assert elsewhere.status_code == missing.status_code == 404
    assert elsewhere.content == missing.content
    assert b"Ruby" not in elsewhere.content


def _from_the_record(client, child):
    client.get(f"/children/{child.public_id}/", {"purpose": "safeguarding_concern"})
    return client


def test_it_confirms_a_shield_on_the_record(shield_world, leeds_child, as_user):
    client = _from_the_record(as_user(shield_world.dee), leeds_child)
    response = client.post(
        f"/children/{leeds_child.public_id}/shield/", {"reason": REASON}, follow=True
    )
    page = response.content.decode()
    assert BANNER in page and "This child is now shielded" in page


def test_it_confirms_asking_to_lift_a_shield(shield_world, as_user):
    maya = shield_world.maya
    client = _from_the_record(as_user(shield_world.dee), maya)
    response = client.post(
        f"/children/{maya.public_id}/lift-shield/", {"reason": LIFT_REASON}, follow=True
    )
    page = response.content.decode()
    assert BANNER in page and "Your request to lift the shield was sent" in page
    assert "Maya Thompson" in page


@pytest.mark.parametrize(
    ("decision", "words"),
    [("approve", "the shield is lifted"), ("decline", "the child stays shielded")],
)
def test_it_confirms_a_decision_on_a_lift(shield_world, as_user, decision, words):
    maya = shield_world.maya
    as_user(shield_world.dee).post(
        f"/children/{maya.public_id}/lift-shield/", {"reason": LIFT_REASON}
    )
    change = ShieldChange.objects.get(kind="lift")
    response = as_user(shield_world.dan).post(
        f"/shielding/{change.pk}/",
        {"decision": decision, "note": "Checked with the court."},
        follow=True,
    )
    page = response.content.decode()
    assert BANNER in page and words in page
