"""Issue 17, point 9, in the browser at 1280x900 and 390x844: the GOV.UK date input (an
impossible date answered with the error summary, what was typed kept) and the footer's help,
accessibility statement and privacy pages. No sideways scroll, no serious axe fault.
Screenshots go to screenshots/ux_<size>_<page>.png."""

import pytest
from playwright.sync_api import expect

from .journeys import sign_in
from .test_ux_journeys import SIZES, _check, _error_summary

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=list(SIZES))
def size(request, page):
    page.set_viewport_size(SIZES[request.param])
    return request.param


def test_it_answers_an_impossible_date_of_birth_with_an_error_summary(
    world, live_server, page, size, screenshot
):
    sign_in(page, live_server.url, world.alice)
    page.fill("#id_family_name", "Thompson")
    page.fill("#id_date_of_birth-day", "31")
    page.fill("#id_date_of_birth-month", "2")
    page.fill("#id_date_of_birth-year", "2015")
    page.check("text=I am currently working with this child")
    page.click("button:has-text('Search')")
    _error_summary(page, "Date of birth must be a real date")
    expect(page.locator("#id_date_of_birth-day")).to_have_value("31")
    expect(page.locator("#id_date_of_birth-month")).to_have_value("2")
    _check(page, screenshot, size, "search_impossible_date")
    page.click(".govuk-error-summary a")
    expect(page.locator("#id_date_of_birth-day")).to_be_focused()

    born = world.maya.date_of_birth
    page.fill("#id_date_of_birth-day", str(born.day))
    page.fill("#id_date_of_birth-month", str(born.month))
    page.fill("#id_date_of_birth-year", str(born.year))
    page.click("button:has-text('Search')")
    expect(page.locator("main")).to_contain_text("Maya Thompson")
    _check(page, screenshot, size, "search_date_input")


def test_it_opens_the_footer_pages(world, live_server, page, size, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    for link, heading, name in (
        ("Accessibility statement", "Accessibility statement for ContactPoint", "accessibility"),
        ("Privacy", "Privacy notice for ContactPoint users", "privacy"),
        ("Help and contact", "Help and contact", "help"),
    ):
        page.click(f"footer >> text={link}")
        expect(page.locator("h1")).to_have_text(heading)
        _check(page, screenshot, size, f"info_{name}")
