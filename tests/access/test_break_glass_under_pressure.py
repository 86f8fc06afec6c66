"""Break-glass under pressure (issue 17, points 3 and 6): the failed search is typed once,
the minimum is in the hint, a user without a supervisor is told before they start, the record
says when access ends, and an approved request opens the record with its own purpose."""

import re
from datetime import timedelta

from django.utils import timezone

from access.models import AccessRequest
from audit.models import AccessEvent
from tests.factories import GrantFactory, UserFactory

JUSTIFICATION = "Child arrived at A&E with injuries; need the school and social worker now."
KENT = {"family_name": "Thompson", "given_name": "Oliver", "date_of_birth": "2015-03-27"}


def _failed_search(client):
    response = client.get("/search/", {**KENT, "purpose": "safeguarding_concern"})
    assert b"Oliver Thompson" not in response.content
    return response


def test_it_carries_the_failed_search_into_the_break_glass_search(world, stepped_up):
    client = stepped_up(world.alice)
    _failed_search(client)
    start = client.get("/break-glass/").content.decode()
    assert 'id="carried-search"' in start and "27 March 2015" in start
    response = client.post(
        "/break-glass/", {"reason": "immediate_risk", "justification": JUSTIFICATION}
    )
    assert "?" not in response["Location"]
    search = client.get(response["Location"]).content.decode()
    assert 'value="Thompson"' in search and 'value="Oliver"' in search
    # The carried date fills the GOV.UK date input's three fields (issue 17, point 9).
    for part, value in (("day", "27"), ("month", "3"), ("year", "2015")):
        assert re.search(rf'name="date_of_birth-{part}"[^>]*value="0?{value}"', search), part
    assert AccessRequest.objects.get().criteria == KENT


def test_it_keeps_the_criteria_out_of_every_address(world, stepped_up):
    client = stepped_up(world.alice)
    _failed_search(client)
    response = client.post(
        "/break-glass/", {"reason": "immediate_risk", "justification": JUSTIFICATION}
    )
    assert "Thompson" not in response["Location"] and "2015" not in response["Location"]


def test_it_carries_nothing_from_a_search_that_found_the_child(world, stepped_up):
    client = stepped_up(world.alice)
    client.get("/search/", {"family_name": "Thompson", "purpose": "safeguarding_concern"})
    assert 'id="carried-search"' not in client.get("/break-glass/").content.decode()


def test_it_shows_the_minimum_length_in_the_hint_before_anything_is_typed(world, stepped_up):
    page = stepped_up(world.alice).get("/break-glass/").content.decode()
    assert "Write at least 40 characters." in page
    assert 'data-module="govuk-character-count"' in page
    assert 'data-maxlength="2000"' in page


def test_it_tells_a_user_without_a_supervisor_before_they_start(world, stepped_up):
    admin = UserFactory(
        username="olga",
        first_name="Olga",
        last_name="Admin",
        organisation=world.school_b,
        role="org_admin",
        email="olga@riverside.example",
    )
    client = stepped_up(world.charlie)
    for path in ("/break-glass/", "/request-access/"):
        page = client.get(path).content.decode()
        assert "You have no supervisor in ContactPoint" in page
        assert 'name="justification"' not in page
        assert admin.email in page
    assert not AccessEvent.objects.filter(action="break_glass").exists()


def test_it_tells_a_user_without_a_supervisor_before_any_code(world, as_user):
    response = as_user(world.charlie).get("/break-glass/")
    assert response.status_code == 200
    assert b"You have no supervisor in ContactPoint" in response.content


def test_it_says_on_the_search_page_that_break_glass_is_not_possible(world, as_user):
    page = as_user(world.charlie).get("/search/", {**KENT, "purpose": "referral"})
    assert 'id="no-supervisor"' in page.content.decode()


def _grant(world, *, kind="emergency", reason="immediate_risk", minutes=45):
    now = timezone.now()
    return GrantFactory(
        requester=world.alice,
        supervisor=world.sam,
        kind=kind,
        reason=reason,
        child=world.kent_child,
        granted_at=now,
        expires_at=now + timedelta(minutes=minutes),
        judgement="pending" if kind == "emergency" else "not_needed",
    )


def test_it_says_on_the_record_when_emergency_access_ends(world, as_user):
    grant = _grant(world)
    response = as_user(world.alice).get(
        f"/children/{world.kent_child.public_id}/", {"purpose": "emergency"}
    )
    page = response.content.decode()
    ends = timezone.localtime(grant.expires_at).strftime("%H:%M")
    assert 'id="grant-banner"' in page
    assert f"Your access to this record ends at {ends}" in page


def test_it_shows_no_end_on_a_record_in_the_users_own_scope(world, as_user):
    _grant(world)
    AccessRequest.objects.update(child=world.maya)
    page = (
        as_user(world.alice)
        .get(f"/children/{world.maya.public_id}/", {"purpose": "referral"})
        .content.decode()
    )
    assert 'id="grant-banner"' not in page


def _approved_request(world, as_user, reason):
    client = as_user(world.alice)
    client.post("/request-access/", {"reason": reason, "justification": JUSTIFICATION})
    request = AccessRequest.objects.get()
    as_user(world.sam).post(f"/supervision/{request.pk}/", {"decision": "approve", "note": ""})
    client.get(f"/break-glass/{request.pk}/search/", KENT)
    return client, request


def test_it_opens_an_approved_request_with_the_requests_purpose(world, as_user):
    client, request = _approved_request(world, as_user, "new_involvement")
    response = client.post(
        f"/break-glass/{request.pk}/grant/", {"public_id": world.kent_child.public_id}
    )
    assert response["Location"].endswith("?purpose=current_involvement")
    record = client.get(response["Location"])
    assert b"I am currently working with this child" in record.content
    view = AccessEvent.objects.get(action="view", child_public_id=world.kent_child.public_id)
    assert view.purpose == "current_involvement"
    granted = AccessEvent.objects.get(action="access_granted")
    search = AccessEvent.objects.get(action="directory_search")
    assert granted.purpose == search.purpose == "current_involvement"
    assert not AccessEvent.objects.filter(purpose="emergency").exists()


def test_it_asks_the_purpose_of_an_approved_request_whose_reason_names_none(world, as_user):
    client, request = _approved_request(world, as_user, "other")
    response = client.post(
        f"/break-glass/{request.pk}/grant/", {"public_id": world.kent_child.public_id}
    )
    assert "?" not in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "Why are you looking at this record?" in page
    assert not AccessEvent.objects.filter(action="view").exists()


def test_it_still_opens_break_glass_for_an_emergency(world, stepped_up):
    client = stepped_up(world.alice)
    client.post("/break-glass/", {"reason": "immediate_risk", "justification": JUSTIFICATION})
    request = AccessRequest.objects.get()
    client.get(f"/break-glass/{request.pk}/search/", KENT)
    response = client.post(
        f"/break-glass/{request.pk}/grant/", {"public_id": world.kent_child.public_id}
    )
    assert response["Location"].endswith("?purpose=emergency")


def test_it_confirms_a_request_sent_to_the_supervisor(world, as_user):
    client = as_user(world.alice)
    response = client.post(
        "/request-access/",
        {"reason": "new_involvement", "justification": JUSTIFICATION},
        follow=True,
    )
    page = response.content.decode()
    assert "govuk-notification-banner--success" in page
    assert "Your request was sent to" in page
