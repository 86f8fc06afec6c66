"""On a 390-pixel phone (issue 17, point 1): nothing runs off the side, a number is one tap
away, the results of a search are where the page opens, and each role lands on its work.

Full-page screenshots go to screenshots/ux_*.png so a person can look at them."""

import pytest
from playwright.sync_api import expect

from access.models import Role
from tests.factories import CarerFactory, ChildFactory, InvolvementFactory, UserFactory

from .journeys import assert_accessible, sign_in
from .test_alert_review_journey import _own_name_alert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _fits(page, screenshot, name: str) -> None:
    """The page is no wider than the screen, and has no serious accessibility fault."""
    screenshot(f"ux_{name}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} is {width} px wide"
    assert_accessible(page)


def test_it_fits_a_practitioners_pages_on_a_phone(world, live_server, page, screenshot):
    CarerFactory(
        child=world.maya,
        given_name="Grace",
        phone="07700 900123",
        email="grace.thompson-longname@example.org",
    )
    for given in ("Amelia", "Jacob", "Sophia"):
        InvolvementFactory(
            child=ChildFactory(
                given_name=given, family_name="Thompson", local_authority=world.leeds
            ),
            organisation=world.school_a,
        )
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, world.alice)
    expect(page.locator("h1")).to_have_text("Find a child")

    page.fill("#id_family_name", "Thompson")
    page.check("text=Safeguarding concern")
    page.click("button:has-text('Search')")
    heading = page.locator("#results")
    expect(heading).to_have_text("4 children found")
    expect(heading).to_be_focused()
    expect(heading).to_be_in_viewport()
    _fits(page, screenshot, "search")

    page.click("text=Maya Thompson")
    expect(page.locator("h1")).to_have_text("Maya Thompson")
    expect(page.locator("a[href='tel:07700900123']")).to_have_text("07700 900123")
    expect(page.locator("a[href='mailto:grace.thompson-longname@example.org']")).to_be_visible()
    _fits(page, screenshot, "record")

    page.goto(f"{live_server.url}/audit/my-lookups/")
    expect(page.locator("table")).to_contain_text("Record view")
    _fits(page, screenshot, "my_lookups")


def test_it_fits_a_supervisors_pages_on_a_phone(world, live_server, page, screenshot):
    alert = _own_name_alert(world)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, world.sam)
    expect(page).to_have_url(f"{live_server.url}/supervision/")

    page.goto(f"{live_server.url}/search/")
    expect(page.locator("h1")).to_have_text("Finding a child is not part of your role")
    _fits(page, screenshot, "not_a_reader")

    page.goto(f"{live_server.url}/audit/alerts/")
    expect(page.locator("table")).to_contain_text(world.bob.get_full_name())
    _fits(page, screenshot, "alerts")

    page.goto(f"{live_server.url}/audit/alerts/{alert.pk}/")
    expect(page.locator("table.cp-evidence")).to_contain_text(world.maya.public_id)
    _fits(page, screenshot, "alert_detail")

    page.goto(f"{live_server.url}/audit/team-lookups/")
    expect(page.locator("table")).to_contain_text(world.bob.get_full_name())
    _fits(page, screenshot, "team_lookups")


def test_it_lands_an_auditor_on_escalations(world, live_server, page):
    auditor = UserFactory(organisation=world.council, role=Role.AUDITOR, is_staff=True)
    sign_in(page, live_server.url, auditor)
    expect(page).to_have_url(f"{live_server.url}/supervision/escalations/")


def test_it_warns_a_practitioner_of_an_unaccredited_organisation_before_they_search(
    world, live_server, page, screenshot
):
    world.school_b.accredited = False
    world.school_b.save()
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, world.charlie)
    expect(page.locator(".govuk-warning-text")).to_contain_text("You cannot search")
    expect(page.locator("main")).to_contain_text("organisation is not accredited")
    _fits(page, screenshot, "unvetted")
