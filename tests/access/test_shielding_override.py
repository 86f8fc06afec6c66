"""The child-protection override: a warning, a fresh code, a reason; the full record once;
an immediate alert to the supervisor and the authority's data managers; every attempt
audited as its own kind."""

import re

from access.models import Notification
from audit.models import AccessEvent

REASON = "Hospital reports a non-accidental injury; I must reach the GP and carer tonight."
PRIVATE = ("12 Refuge Road", "07700 900123", "Dr Priya Shah")


def _url(child) -> str:
    return f"/children/{child.public_id}/override/"


def _override(client, child, reason=REASON):
    page = client.get(_url(child))
    once = re.search(r'name="once" value="([^"]+)"', page.content.decode()).group(1)
    data = {"purpose": "safeguarding_concern", "reason": reason, "once": once}
    return client.post(_url(child), data), data


def test_it_asks_for_a_fresh_code_first(shield_world, as_user):
    response = as_user(shield_world.cara).get(_url(shield_world.maya))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/step-up/")


def test_it_offers_the_override_to_child_protection_only(shield_world, as_user):
    record = f"/children/{shield_world.maya.public_id}/?purpose=referral"
    assert b"Override the shield" in as_user(shield_world.cara).get(record).content
    assert b"Override the shield" not in as_user(shield_world.dora).get(record).content


def test_it_warns_before_the_override(shield_world, stepped_up):
    body = stepped_up(shield_world.cara).get(_url(shield_world.maya)).content.decode()
    assert "could be harmed if someone found them" in body
    assert "your supervisor and the local authority's data managers are told" in body
    assert not any(detail in body for detail in PRIVATE)


def test_it_shows_the_full_record_after_the_override(shield_world, stepped_up):
    response, _ = _override(stepped_up(shield_world.cara), shield_world.maya)
    body = response.content.decode()
    assert response.status_code == 200
    assert all(detail in body for detail in PRIVATE)
    assert "You overrode this child's shield" in body


def test_it_shows_the_shielded_record_again_on_reload(shield_world, stepped_up):
    client = stepped_up(shield_world.cara)
    _, data = _override(client, shield_world.maya)
    replay = client.post(_url(shield_world.maya), data)
    assert replay.status_code == 302
    assert replay["Location"] == f"/children/{shield_world.maya.public_id}/"
    again = client.get(f"/children/{shield_world.maya.public_id}/?purpose=referral")
    assert not any(detail.encode() in again.content for detail in PRIVATE)
    assert AccessEvent.objects.filter(action="shield_override").count() == 1


def test_it_needs_a_reason_of_some_length(shield_world, stepped_up):
    response, _ = _override(stepped_up(shield_world.cara), shield_world.maya, reason="urgent")
    assert response.status_code == 400
    assert not any(detail.encode() in response.content for detail in PRIVATE)
    assert not AccessEvent.objects.filter(action="shield_override").exists()


def test_it_alerts_the_supervisor_and_the_data_managers_at_once(shield_world, stepped_up):
    _override(stepped_up(shield_world.cara), shield_world.maya)
    told = set(
        Notification.objects.filter(kind="shield_override").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"vic", "dee", "dan"}


def test_it_keeps_the_child_out_of_the_alert_email(shield_world, stepped_up):
    _override(stepped_up(shield_world.cara), shield_world.maya)
    alert = Notification.objects.filter(kind="shield_override").first()
    assert "Maya" not in alert.body and "Child protection lead" in alert.body
    assert "Maya Thompson" in alert.in_app_detail and REASON in alert.in_app_detail


def test_it_alerts_the_auditors_when_there_is_no_supervisor(shield_world, stepped_up):
    from tests.factories import UserFactory

    auditor = UserFactory(role="auditor", organisation=shield_world.council)
    shield_world.cara.supervisor = None
    shield_world.cara.save()
    _override(stepped_up(shield_world.cara), shield_world.maya)
    assert Notification.objects.filter(kind="shield_override", recipient=auditor).exists()


def test_it_audits_the_override_with_its_reason(shield_world, stepped_up):
    _override(stepped_up(shield_world.cara), shield_world.maya)
    event = AccessEvent.objects.get(action="shield_override")
    assert (event.actor_username, event.outcome, event.child_public_id, event.reason) == (
        "cara",
        "shown",
        shield_world.maya.public_id,
        REASON,
    )


def test_it_refuses_other_roles_without_asking_for_a_code_and_audits_it(shield_world, as_user):
    for persona in ("alice", "dora", "dee", "ada"):
        response = as_user(getattr(shield_world, persona)).get(_url(shield_world.maya))
        assert response.status_code == 403
        assert b"Only child-protection practitioners" in response.content
    denied = AccessEvent.objects.filter(action="shield_denied")
    assert sorted(denied.values_list("actor_username", flat=True)) == [
        "ada",
        "alice",
        "dee",
        "dora",
    ]


def test_it_refuses_a_posted_override_by_another_role(shield_world, stepped_up):
    client = stepped_up(shield_world.alice)
    response = client.post(
        _url(shield_world.maya), {"purpose": "referral", "reason": REASON, "once": "x"}
    )
    assert response.status_code == 403
    assert not any(detail.encode() in response.content for detail in PRIVATE)
    assert AccessEvent.objects.filter(action="shield_denied").count() == 1


def test_it_answers_a_child_out_of_scope_like_a_missing_one(shield_world, stepped_up):
    client = stepped_up(shield_world.kent_cp)
    response, _ = _override(client, shield_world.maya)
    assert response.status_code == 404
    assert not Notification.objects.filter(kind="shield_override").exists()
    assert AccessEvent.objects.get(action="shield_override").outcome == "not_found"


def test_it_sends_an_unshielded_child_to_the_ordinary_record(shield_world, stepped_up):
    shield_world.maya.shielded = False
    shield_world.maya.save()
    response, _ = _override(stepped_up(shield_world.cara), shield_world.maya)
    assert response.status_code == 302
    assert not Notification.objects.filter(kind="shield_override").exists()


def test_it_needs_a_csrf_token(shield_world, stepped_up):
    client = stepped_up(shield_world.cara)
    client.handler.enforce_csrf_checks = True
    response, _ = _override(client, shield_world.maya)
    assert response.status_code == 403
    assert not AccessEvent.objects.filter(action="shield_override").exists()
