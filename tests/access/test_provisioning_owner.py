"""The account holder confirms an approved change of their e-mail address (issue 14, finding
1: "the user confirms an e-mail change from the old address").

Two admins agreeing — one asking, one approving — must not be enough to move where a reader's
password reset links go: the holder, signed in as themselves with a fresh code, confirms or
refuses. On main before this change an approved change applied at once (the holder was only
told), so the first test failed there.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from access.models import Notification, ProvisioningRequest, User
from access.provisioning.services import provisioning_requests_expire
from audit.models import AccessEvent, Alert

from .test_provisioning import _approve, _email_request, people  # noqa: F401 - fixture

Status = ProvisioningRequest.Status
CHANGES = "/account/changes/"


@pytest.fixture
def awaiting(people, as_user, stepped_up):  # noqa: F811 - the fixture imported above
    """alice's e-mail change, asked by her school's admin and approved by the authority's."""
    world, p = people
    pending = _email_request(people, as_user)
    _approve(stepped_up(p["connie"]), pending)
    pending.refresh_from_db()
    assert pending.status == Status.AWAITING_OWNER
    mail.outbox.clear()
    return world, p, pending


def _decide(client, pending, decision: str):
    return client.post(CHANGES, {"request_id": pending.pk, "decision": decision})


def _email(user: User) -> str:
    user.refresh_from_db()
    return user.email


def test_it_changes_nothing_until_the_holder_confirms(awaiting):
    world, _p, _pending = awaiting
    assert _email(world.alice) == "alice@example.org"


def test_it_shows_the_holder_what_waits(awaiting, as_user):
    world, _p, _pending = awaiting
    page = as_user(world.alice).get(CHANGES).content.decode()
    assert "attacker@example.net" in page
    assert "I did not ask for this" in page


def test_it_applies_the_change_when_the_holder_confirms(awaiting, stepped_up):
    world, _p, pending = awaiting
    response = _decide(stepped_up(world.alice), pending, "confirm")
    assert response.status_code == 302
    assert _email(world.alice) == "attacker@example.net"
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]
    pending.refresh_from_db()
    assert pending.status == Status.APPROVED and pending.owner_decided_at is not None


def test_it_keeps_the_address_and_alerts_the_auditors_when_the_holder_refuses(awaiting, stepped_up):
    world, p, pending = awaiting
    _decide(stepped_up(world.alice), pending, "refuse")
    assert _email(world.alice) == "alice@example.org"
    pending.refresh_from_db()
    assert pending.status == Status.REFUSED_BY_OWNER
    alert = Alert.objects.get(detector="reader_provisioning")
    assert alert.subject == world.alice and alert.severity == "high"
    assert "did not ask" in alert.summary
    assert p["audrey"].notifications.exists()


def test_it_audits_each_step_and_alerts_once_applied(awaiting, stepped_up):
    world, _p, pending = awaiting
    _decide(stepped_up(world.alice), pending, "confirm")
    events = AccessEvent.objects.filter(criteria__request=pending.pk).order_by("id")
    assert [(e.action, e.actor_username) for e in events] == [
        ("provision_requested", "olive"),
        ("provision_approved", "connie"),
        ("provision_confirmed", "alice"),
    ]
    assert "attacker@example.net" not in str([e.criteria for e in events])
    alert = Alert.objects.get(detector="reader_provisioning")
    assert "confirmed by the account holder" in alert.summary
    assert set(alert.evidence_event_ids) == {events[0].pk, events[2].pk}


def test_it_asks_the_holder_for_a_fresh_code(awaiting, as_user):
    world, _p, pending = awaiting
    response = _decide(as_user(world.alice), pending, "confirm")
    assert response["Location"].startswith("/accounts/step-up/")
    assert _email(world.alice) == "alice@example.org"


@pytest.mark.parametrize("who", ["olive", "connie"])
def test_it_lets_nobody_but_the_holder_confirm(awaiting, stepped_up, who):
    world, p, pending = awaiting
    assert _decide(stepped_up(p[who]), pending, "confirm").status_code == 404
    assert _email(world.alice) == "alice@example.org"


def test_it_refuses_a_confirmation_without_the_csrf_token(awaiting, stepped_up):
    world, _p, pending = awaiting
    client = stepped_up(world.alice)
    client.handler.enforce_csrf_checks = True
    assert _decide(client, pending, "confirm").status_code == 403
    assert _email(world.alice) == "alice@example.org"


def test_it_lets_an_unconfirmed_change_lapse(awaiting, stepped_up, settings):
    world, _p, pending = awaiting
    assert pending.expires_at - pending.decided_at == timedelta(
        hours=settings.PROVISIONING_OWNER_HOURS
    )
    assert provisioning_requests_expire(now=pending.expires_at + timedelta(seconds=1)) == 1
    pending.refresh_from_db()
    assert pending.status == Status.EXPIRED
    assert _decide(stepped_up(world.alice), pending, "confirm").status_code == 404
    assert _email(world.alice) == "alice@example.org"


def test_it_refuses_a_lapsed_confirmation(awaiting, stepped_up):
    world, _p, pending = awaiting
    ProvisioningRequest.objects.filter(pk=pending.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = _decide(stepped_up(world.alice), pending, "confirm")
    assert response.status_code == 400
    assert _email(world.alice) == "alice@example.org"
    pending.refresh_from_db()
    assert pending.status == Status.EXPIRED


def test_it_blocks_a_second_request_while_the_holder_decides(awaiting, as_user):
    from .test_provisioning import _change

    world, p, _pending = awaiting
    _change(as_user(p["olive"]), world.alice, email="another@example.net")
    assert ProvisioningRequest.objects.filter(target=world.alice).count() == 1


def test_it_reaches_the_holder_at_the_address_they_have_now(awaiting):
    world, _p, _pending = awaiting
    asked = Notification.objects.get(recipient=world.alice, kind=Notification.Kind.ACCOUNT_CHANGE)
    assert asked.recipient.email == "alice@example.org"
