"""The practitioner's own things through the API (requests, break-glass, notifications), and
the rate limits: per system, per practitioner, and the lookup limit shared with the pages."""

from django.db import transaction

from access.models import AccessRequest, Notification
from access.notifications import notification_create
from audit.models import AccessEvent
from tests.factories import GrantFactory

from .conftest import registered_client

SEARCH = {"family_name": "Thompson", "purpose": "current_involvement"}


def test_it_lists_my_break_glass_with_its_review(world, api_call):
    GrantFactory(requester=world.alice, supervisor=world.sam, child=world.kent_child)
    GrantFactory(requester=world.bob, supervisor=world.sam, child=world.maya)
    [row] = api_call("/api/v1/me/access-requests/").json()
    assert (row["kind"], row["status"], row["judgement"]) == ("emergency", "granted", "pending")
    assert (row["live"], row["child_public_id"]) == (True, world.kent_child.public_id)


def test_it_names_no_child_on_a_request_not_granted(world, api_call):
    GrantFactory(
        requester=world.alice,
        supervisor=world.sam,
        child=world.kent_child,
        status=AccessRequest.Status.DECLINED,
    )
    [row] = api_call("/api/v1/me/access-requests/").json()
    assert row["child_public_id"] is None


def _notify(user, detail="Maya Thompson was looked up") -> Notification:
    with transaction.atomic():
        return notification_create(
            recipient=user,
            kind=Notification.Kind.CLOAKED_ENQUIRY,
            subject="Someone looked up a child you work with",
            body="See your inbox.",
            in_app_detail=detail,
        )


def test_it_lists_my_notifications_without_their_detail(world, api_call):
    _notify(world.alice)
    [row] = api_call("/api/v1/me/notifications/").json()
    assert row["subject"] == "Someone looked up a child you work with"
    assert "in_app_detail" not in row


def test_reading_a_notifications_detail_is_audited_with_both_parties(
    world, api_call, school_system
):
    notification = _notify(world.alice)
    body = api_call(f"/api/v1/me/notifications/{notification.pk}/").json()
    assert body["in_app_detail"] == "Maya Thompson was looked up"
    event = AccessEvent.objects.get(action=AccessEvent.Action.NOTIFICATION_VIEW)
    assert (event.actor_id, event.api_client) == (world.alice.pk, school_system.client_id)


def test_someone_elses_notification_looks_missing(world, api_call):
    bobs = _notify(world.bob)
    theirs = api_call(f"/api/v1/me/notifications/{bobs.pk}/")
    missing = api_call(f"/api/v1/me/notifications/{bobs.pk + 1000}/")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content


def test_a_system_past_its_limit_gets_429(world, api_call, settings):
    settings.API_CLIENT_RATE_LIMIT = 2
    assert api_call("/api/v1/me/notifications/").status_code == 200
    assert api_call("/api/v1/me/notifications/", user=world.bob).status_code == 200
    response = api_call("/api/v1/me/notifications/", user=world.bob)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) > 0


def test_a_practitioner_past_their_limit_gets_429_from_any_system(world, api_call, settings):
    settings.API_USER_RATE_LIMIT = 1
    other = registered_client(world.school_a, name="Second MIS")
    assert api_call("/api/v1/me/notifications/").status_code == 200
    assert api_call("/api/v1/me/notifications/", registered=other).status_code == 429
    # Another practitioner through the same system is not held back.
    assert api_call("/api/v1/me/notifications/", user=world.bob).status_code == 200


def test_the_lookup_limit_is_shared_with_the_pages(world, api_call, as_user, settings):
    settings.LOOKUP_RATE_LIMIT = 1
    assert as_user(world.alice).get("/search/", SEARCH).status_code == 200
    response = api_call("/api/v1/children/", **SEARCH)
    assert response.status_code == 403
    assert response.json()["reasons"]
