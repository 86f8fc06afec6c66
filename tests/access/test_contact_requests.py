"""Brokered contact as a piece of work (issue 17, point 8): one data manager takes a request
and closes it with a reply the requester reads, so it neither falls through nor is handled
twice. Before this change every data manager got the same message with no owner, and the
requester could not see their request at all."""

import pytest

from access.models import ContactRequest, Notification
from audit.models import AccessEvent

from .conftest import shield_world  # noqa: F401 - fixture
from .test_shielding import _contact

Status = ContactRequest.Status


@pytest.fixture
def asked(shield_world, as_user):  # noqa: F811
    _contact(as_user(shield_world.alice), shield_world.maya)
    return shield_world, ContactRequest.objects.get()


def _item(request) -> str:
    return f"/contact-requests/{request.pk}/"


def test_it_records_the_request_for_the_childs_authority(asked):
    world, request = asked
    assert (request.requester, request.child, request.status) == (
        world.alice,
        world.maya,
        Status.OPEN,
    )
    links = set(Notification.objects.filter(kind="contact_request").values_list("link", flat=True))
    assert links == {_item(request)}


def test_it_folds_a_repeat_into_the_open_request(asked, as_user):
    world, request = asked
    body = _contact(as_user(world.alice), world.maya, "Also the GP needs to reach them.")
    assert "already have an open request" in body.content.decode()
    assert ContactRequest.objects.count() == 1
    request.refresh_from_db()
    assert "GP needs to reach them" in request.message
    assert Notification.objects.filter(kind="contact_request").count() == 2  # dee and dan, once


def test_it_lists_open_requests_for_the_authoritys_data_managers_only(asked, as_user):
    world, _request = asked
    page = as_user(world.dee).get("/contact-requests/")
    assert page.status_code == 200 and "Maya Thompson" in page.content.decode()
    for outsider in (world.alice, world.dora):
        assert as_user(outsider).get("/contact-requests/").status_code == 404
    kent = as_user(world.kent_dm).get("/contact-requests/").content.decode()
    assert "Maya" not in kent and "No open requests" in kent
    assert AccessEvent.objects.filter(action="contact_queue_view", actor_id=world.dee.pk).exists()


def test_it_hides_a_request_from_another_authoritys_data_manager(asked, as_user):
    world, request = asked
    assert as_user(world.kent_dm).get(_item(request)).status_code == 404
    assert as_user(world.kent_dm).post(_item(request), {"action": "take"}).status_code == 404
    request.refresh_from_db()
    assert request.status == Status.OPEN


def test_it_lets_one_data_manager_take_it_and_not_a_second(asked, as_user):
    world, request = asked
    assert as_user(world.dee).post(_item(request), {"action": "take"}).status_code == 302
    second = as_user(world.dan).post(_item(request), {"action": "take"})
    assert second.status_code == 400
    assert "already taken" in second.content.decode()
    request.refresh_from_db()
    assert (request.status, request.assignee) == (Status.TAKEN, world.dee)


def test_it_closes_with_a_reply_the_requester_reads(asked, as_user):
    world, request = asked
    dee = as_user(world.dee)
    dee.post(_item(request), {"action": "take"})
    reply = "I have passed your number to the family's social worker, who will call today."
    response = dee.post(_item(request), {"action": "close", "outcome": "handled", "reply": reply})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.reply) == (Status.HANDLED, reply)
    told = Notification.objects.get(kind="contact_reply", recipient=world.alice)
    assert "Maya" not in told.body + told.in_app_detail
    mine = as_user(world.alice).get("/my-requests/").content.decode()
    assert "Handled" in mine and "family&#x27;s social worker" in mine
    assert "Refuge Road" not in mine and "Maya" not in mine
    actions = list(
        AccessEvent.objects.filter(action__in=["contact_taken", "contact_closed"]).values_list(
            "action", "actor_username"
        )
    )
    assert actions == [("contact_taken", "dee"), ("contact_closed", "dee")]


def test_it_refuses_closing_without_a_reply_or_by_someone_who_did_not_take_it(asked, as_user):
    world, request = asked
    as_user(world.dee).post(_item(request), {"action": "take"})
    empty = as_user(world.dee).post(_item(request), {"action": "close", "outcome": "handled"})
    assert empty.status_code == 400
    other = as_user(world.dan).post(
        _item(request), {"action": "close", "outcome": "declined", "reply": "Not safe."}
    )
    assert other.status_code == 400
    request.refresh_from_db()
    assert request.status == Status.TAKEN


def test_retention_leaves_no_message_or_reply_about_a_destroyed_child(asked, as_user):
    from django.core.management import call_command

    world, request = asked
    dee = as_user(world.dee)
    dee.post(_item(request), {"action": "take"})
    dee.post(
        _item(request),
        {"action": "close", "outcome": "handled", "reply": "Maya's carer will call you."},
    )
    call_command("apply_retention", today="2033-03-27")  # archived at 18
    call_command("apply_retention", today="2039-03-28")  # destroyed six years on
    request.refresh_from_db()
    assert request.child is None
    assert "school office" not in request.message and "Maya" not in request.reply
    assert not Notification.objects.filter(link=_item(request)).exists()
