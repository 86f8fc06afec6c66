"""Brokered contact in the browser (issue 17, point 8), on a phone: a data manager takes a
request and answers it; the practitioner reads the reply. No page runs off the side of a
390-pixel screen, the requester's number is one tap away, and axe finds nothing serious."""

import pytest
from playwright.sync_api import expect

from access.gateway.contact_requests import contact_request_send
from access.models import ContactRequest
from tests.access.conftest import shield_world  # noqa: F401 - fixture
from tests.factories import actor_for

from .journeys import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"
    assert_accessible(page)


def test_a_request_is_taken_answered_and_read_on_a_phone(
    shield_world,  # noqa: F811 - the fixture imported above
    live_server,
    browser,
    screenshot,
):
    world = shield_world
    contact_request_send(
        user=world.alice,
        public_id=world.maya.public_id,
        purpose="safeguarding_concern",
        message="Please ask the family to call the school office.",
        actor=actor_for(world.alice),
    )
    request = ContactRequest.objects.get()
    manager = browser.new_page(viewport=PHONE)
    sign_in(manager, live_server.url, world.dee)
    manager.goto(f"{live_server.url}/contact-requests/")
    _fits(manager)
    manager.click("text=Maya Thompson")
    expect(manager.locator(f'a[href="tel:{world.alice.phone}"]')).to_have_count(1)
    manager.click("button:has-text('Take this request')")
    expect(manager.locator(".govuk-notification-banner")).to_contain_text("You took")
    _fits(manager)
    manager.click("button:has-text('Close and tell the requester')")
    expect(manager.locator(".govuk-error-summary")).to_be_visible()
    manager.check("#id_outcome")
    manager.fill("#id_reply", "Passed to the family's social worker, who will call you.")
    manager.click("button:has-text('Close and tell the requester')")
    screenshot("ux_contact_queue_after_close")
    request.refresh_from_db()
    assert request.status == ContactRequest.Status.HANDLED

    requester = browser.new_page(viewport=PHONE)
    sign_in(requester, live_server.url, world.alice)
    requester.goto(f"{live_server.url}/my-requests/")
    expect(requester.locator("body")).to_contain_text("Passed to the family's social worker")
    _fits(requester)
