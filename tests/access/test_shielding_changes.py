"""Setting and lifting shields: the authority's data managers only, with a reason; setting
takes effect at once, lifting needs a second data manager (four eyes)."""

import pytest

from access.models import Notification, ShieldChange
from audit.models import AccessEvent
from directory.models import Child
from tests.factories import ChildFactory

REASON = "Family moved to a refuge after domestic abuse; father must not find them."
LIFT_REASON = "Court order ended; the family has asked for the shield to be lifted."


def _shielded(child) -> bool:
    return Child.objects.values_list("shielded", flat=True).get(pk=child.pk)


def _ask_lift(client, child, reason=LIFT_REASON):
    return client.post(f"/children/{child.public_id}/lift-shield/", {"reason": reason})


def _decide(client, change, decision, note=""):
    return client.post(f"/shielding/{change.pk}/", {"decision": decision, "note": note})


@pytest.fixture
def leeds_child(shield_world):
    return ChildFactory(given_name="Ruby", family_name="Nowak", local_authority=shield_world.leeds)


def test_it_shields_a_child_at_once(shield_world, leeds_child, as_user):
    response = as_user(shield_world.dee).post(
        f"/children/{leeds_child.public_id}/shield/", {"reason": REASON}
    )
    assert response.status_code == 302
    assert _shielded(leeds_child)
    change = ShieldChange.objects.get(child=leeds_child)
    assert (change.kind, change.status, change.requested_by) == ("set", "applied", shield_world.dee)


def test_it_audits_setting_a_shield(shield_world, leeds_child, as_user):
    as_user(shield_world.dee).post(f"/children/{leeds_child.public_id}/shield/", {"reason": REASON})
    event = AccessEvent.objects.get(action="shield_set")
    assert (event.child_public_id, event.outcome, event.reason) == (
        leeds_child.public_id,
        "ok",
        REASON,
    )


def test_it_needs_a_reason(shield_world, leeds_child, as_user):
    response = as_user(shield_world.dee).post(
        f"/children/{leeds_child.public_id}/shield/", {"reason": "refuge"}
    )
    assert response.status_code == 400
    assert not _shielded(leeds_child)


@pytest.mark.parametrize("persona", ["alice", "dora", "cara", "kent_dm", "school_dm"])
def test_it_lets_nobody_but_the_authoritys_data_managers_shield(
    shield_world, leeds_child, as_user, persona
):
    response = as_user(getattr(shield_world, persona)).post(
        f"/children/{leeds_child.public_id}/shield/", {"reason": REASON}
    )
    assert response.status_code == 404
    assert not _shielded(leeds_child)


def test_it_keeps_the_shield_until_a_second_data_manager_approves(shield_world, as_user):
    response = _ask_lift(as_user(shield_world.dee), shield_world.maya)
    assert response.status_code == 302
    assert _shielded(shield_world.maya)
    assert ShieldChange.objects.get(child=shield_world.maya).status == "pending"


def test_it_asks_the_other_data_managers_to_decide(shield_world, as_user):
    _ask_lift(as_user(shield_world.dee), shield_world.maya)
    told = Notification.objects.filter(kind="shield_change").values_list(
        "recipient__username", flat=True
    )
    assert list(told) == ["dan"]


def test_it_refuses_the_one_who_asked_approving_their_own_lift(shield_world, as_user):
    client = as_user(shield_world.dee)
    _ask_lift(client, shield_world.maya)
    change = ShieldChange.objects.get()
    response = _decide(client, change, "approve")
    assert response.status_code == 400
    assert b"another data manager must decide" in response.content
    assert _shielded(shield_world.maya)
    assert AccessEvent.objects.get(action="shield_lifted").outcome == "refused"


def test_it_lifts_the_shield_when_a_second_data_manager_approves(shield_world, as_user):
    _ask_lift(as_user(shield_world.dee), shield_world.maya)
    change = ShieldChange.objects.get()
    response = _decide(as_user(shield_world.dan), change, "approve", "Agreed, order ended.")
    assert response.status_code == 302
    assert not _shielded(shield_world.maya)
    change.refresh_from_db()
    assert (change.status, change.decided_by) == ("approved", shield_world.dan)
    assert Notification.objects.filter(recipient=shield_world.dee, kind="shield_change").exists()


def test_it_keeps_the_shield_when_the_second_data_manager_declines(shield_world, as_user):
    _ask_lift(as_user(shield_world.dee), shield_world.maya)
    change = ShieldChange.objects.get()
    _decide(as_user(shield_world.dan), change, "decline", "The risk assessment is not done.")
    assert _shielded(shield_world.maya)
    assert ShieldChange.objects.get().status == "declined"


def test_it_needs_a_note_to_decline(shield_world, as_user):
    _ask_lift(as_user(shield_world.dee), shield_world.maya)
    response = _decide(as_user(shield_world.dan), ShieldChange.objects.get(), "decline")
    assert response.status_code == 400
    assert ShieldChange.objects.get().status == "pending"


def test_it_decides_a_request_only_once(shield_world, as_user):
    _ask_lift(as_user(shield_world.dee), shield_world.maya)
    change = ShieldChange.objects.get()
    client = as_user(shield_world.dan)
    _decide(client, change, "decline", "Not yet.")
    assert _decide(client, change, "approve").status_code == 404
    assert _shielded(shield_world.maya)


@pytest.mark.parametrize("persona", ["kent_dm", "school_dm", "cara", "alice"])
def test_it_lets_nobody_else_decide(shield_world, as_user, persona):
    _ask_lift(as_user(shield_world.dee), shield_world.maya)
    change = ShieldChange.objects.get()
    client = as_user(getattr(shield_world, persona))
    assert client.get(f"/shielding/{change.pk}/").status_code == 404
    assert _decide(client, change, "approve").status_code == 404
    assert _shielded(shield_world.maya)


def test_it_keeps_one_pending_lift_per_child(shield_world, as_user):
    _ask_lift(as_user(shield_world.dee), shield_world.maya)
    response = _ask_lift(as_user(shield_world.dan), shield_world.maya)
    assert response.status_code == 400
    assert ShieldChange.objects.count() == 1


def test_it_audits_each_step_of_a_lift(shield_world, as_user):
    _ask_lift(as_user(shield_world.dee), shield_world.maya)
    _decide(as_user(shield_world.dan), ShieldChange.objects.get(), "approve")
    actions = list(
        AccessEvent.objects.filter(child_public_id=shield_world.maya.public_id)
        .order_by("id")
        .values_list("actor_username", "action", "outcome")
    )
    assert ("dee", "shield_lift_asked", "ok") in actions
    assert ("dan", "shield_lifted", "ok") in actions


def test_it_shows_the_second_data_manager_the_pending_lift(shield_world, as_user):
    _ask_lift(as_user(shield_world.dee), shield_world.maya)
    body = as_user(shield_world.dan).get("/shielding/").content.decode()
    assert "Maya Thompson" in body and "Decide" in body
    own = as_user(shield_world.dee).get("/shielding/").content.decode()
    assert "Waiting for another data manager" in own
    assert AccessEvent.objects.filter(action="shield_queue_view").count() == 2


def test_it_hides_the_shielding_queue_from_everyone_else(shield_world, as_user):
    for persona in ("alice", "cara", "school_dm", "ada"):
        assert as_user(getattr(shield_world, persona)).get("/shielding/").status_code == 404


def test_it_shows_the_kent_queue_no_leeds_lift(shield_world, as_user):
    _ask_lift(as_user(shield_world.dee), shield_world.maya)
    assert b"Maya" not in as_user(shield_world.kent_dm).get("/shielding/").content


def test_it_offers_the_data_manager_the_right_action_on_the_record(
    shield_world, leeds_child, as_user
):
    client = as_user(shield_world.dee)
    assert (
        b"Ask to lift the shield"
        in client.get(f"/children/{shield_world.maya.public_id}/?purpose=referral").content
    )
    assert (
        b"Shield this child"
        in client.get(f"/children/{leeds_child.public_id}/?purpose=referral").content
    )
    assert (
        b"Shield this child"
        not in as_user(shield_world.dora)
        .get(f"/children/{leeds_child.public_id}/?purpose=referral")
        .content
    )
