"""Issue 17, points 3 to 7, in the browser at a desktop's 1280x900 and a phone's 390x844:
error summaries on empty submissions, break-glass with the failed search carried over and the
end of access on the record, confirmations after decisions, the shield form naming the child,
and My lookups naming the child opened. Every page is checked for horizontal scroll (on the
phone) and serious axe faults. Screenshots go to screenshots/ux_<size>_<page>.png."""

import pytest
from playwright.sync_api import expect

from access.models import Role
from tests.factories import UserFactory

from .journeys import assert_accessible, sign_in
from .test_alert_review_journey import _own_name_alert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
JUSTIFICATION = "Oliver was brought to A&E with a head injury; I need his school and social worker."


@pytest.fixture(params=list(SIZES))
def size(request, page):
    page.set_viewport_size(SIZES[request.param])
    return request.param


def _check(page, screenshot, size: str, name: str) -> None:
    screenshot(f"ux_{size}_{name}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size]["width"], f"{name} is {width} px wide at {size}"
    assert_accessible(page)


def _error_summary(page, *messages: str) -> None:
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    for message in messages:
        expect(summary).to_contain_text(message)


def test_it_answers_empty_forms_with_an_error_summary(world, live_server, page, size, screenshot):
    manager = UserFactory(username="dee", organisation=world.council, role=Role.DATA_MANAGER)
    sign_in(page, live_server.url, world.alice)
    page.click("button:has-text('Search')")
    _error_summary(page, "Enter the child's family name", "Select why you are searching")
    _check(page, screenshot, size, "search_empty")

    page.goto(f"{live_server.url}/children/{world.maya.public_id}/")
    expect(page.locator("h1")).to_have_text("Why are you looking at this record?")
    page.click("button:has-text('Continue')")
    _error_summary(page, "Select why you are looking at this record")
    _check(page, screenshot, size, "purpose_empty")

    page.context.clear_cookies()
    sign_in(page, live_server.url, manager)
    page.goto(f"{live_server.url}/audit/child-viewers/")
    page.click("button:has-text('Show the report')")
    _error_summary(page, "Enter the child's ContactPoint ID")
    page.fill("#id_public_id", world.maya.public_id[:-1] + "1")
    page.click("button:has-text('Show the report')")
    _error_summary(page, "Enter a ContactPoint ID in the right format")
    _check(page, screenshot, size, "who_viewed_mistyped")


def test_it_breaks_glass_from_a_failed_search_and_says_when_access_ends(
    world, live_server, page, size, screenshot
):
    sign_in(page, live_server.url, world.alice)
    page.fill("#id_family_name", "Thompson")
    page.fill("#id_given_name", "Oliver")
    page.fill("#id_date_of_birth-day", "27")
    page.fill("#id_date_of_birth-month", "3")
    page.fill("#id_date_of_birth-year", "2015")
    page.check("text=Safeguarding concern")
    page.click("button:has-text('Search')")
    expect(page.locator("main")).not_to_contain_text("Oliver Thompson")
    page.click("text=Emergency access (break-glass)")

    expect(page.locator("h1")).to_contain_text("Emergency access")
    expect(page.locator("#carried-search")).to_contain_text("Thompson")
    expect(page.locator("#id_justification-hint")).to_contain_text("Write at least 40 characters")
    expect(page.locator(".govuk-character-count__status")).to_contain_text("characters remaining")
    page.check("text=A child is at immediate risk of harm")
    page.fill("#id_justification", JUSTIFICATION)
    _check(page, screenshot, size, "break_glass_start")
    page.click("text=Continue to search")

    expect(page.locator("#id_family_name")).to_have_value("Thompson")
    expect(page.locator("#id_date_of_birth-day")).to_have_value("27")
    expect(page.locator("#id_date_of_birth-year")).to_have_value("2015")
    page.click("button:has-text('Search')")
    expect(page.locator("table")).to_contain_text("Oliver Thompson")
    page.click("button:has-text('Open record of Oliver Thompson')")
    expect(page.locator("h1")).to_have_text("Oliver Thompson")
    expect(page.locator("#grant-banner")).to_contain_text("Your access to this record ends at")
    _check(page, screenshot, size, "record_emergency")

    page.goto(f"{live_server.url}/audit/my-lookups/")
    expect(page.locator("table")).to_contain_text("Record view: Oliver Thompson")
    expect(page.locator("table")).not_to_contain_text("emergency")
    _check(page, screenshot, size, "my_lookups_named")


def test_it_tells_a_practitioner_without_a_supervisor_before_they_start(
    world, live_server, page, size, screenshot
):
    UserFactory(
        username="olga",
        first_name="Olga",
        last_name="Okafor",
        organisation=world.school_b,
        role=Role.ORG_ADMIN,
        phone="0113 496 0000",
    )
    sign_in(page, live_server.url, world.charlie)
    page.goto(f"{live_server.url}/break-glass/")
    expect(page.locator("main")).to_contain_text("You have no supervisor in ContactPoint")
    expect(page.locator("#admins")).to_contain_text("Olga Okafor")
    expect(page.locator("a[href='tel:01134960000']")).to_be_visible()
    expect(page.locator("textarea")).to_have_count(0)
    _check(page, screenshot, size, "break_glass_unavailable")


def test_it_confirms_a_supervisors_decision(world, live_server, browser, size, screenshot, page):
    sign_in(page, live_server.url, world.alice)
    page.goto(f"{live_server.url}/request-access/")
    page.check("text=Starting to work with the child")
    page.fill("#id_justification", JUSTIFICATION)
    page.click("button:has-text('Send to my supervisor')")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Your request was sent to"
    )
    _check(page, screenshot, size, "request_sent")

    page.context.clear_cookies()
    sign_in(page, live_server.url, world.sam)
    expect(page.locator("table")).to_contain_text("Waiting for your approval")
    _check(page, screenshot, size, "supervision_queue")
    page.get_by_role("link", name="Approve or decline").click()
    page.check("#id_decision")
    page.click("text=Record decision")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("You approved")
    _check(page, screenshot, size, "supervision_confirmed")


def test_it_names_the_child_on_the_shield_form_and_confirms_the_shield(
    world, live_server, page, size, screenshot
):
    manager = UserFactory(username="dee", organisation=world.council, role=Role.DATA_MANAGER)
    sign_in(page, live_server.url, manager)
    page.goto(f"{live_server.url}/children/{world.maya.public_id}/?purpose=safeguarding_concern")
    page.get_by_role("button", name="Shield this child").click()
    expect(page.locator("#shield-subject")).to_contain_text("Maya Thompson")
    expect(page.locator("#shield-subject")).to_contain_text("Date of birth")
    _check(page, screenshot, size, "shield_form")
    page.fill(
        "#id_reason", "Family moved to a refuge after domestic abuse; father must not find them."
    )
    page.click("button:has-text('Shield this child')")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "This child is now shielded"
    )
    _check(page, screenshot, size, "shield_confirmed")


def test_it_explains_an_alert_in_plain_words(world, live_server, page, size, screenshot):
    alert = _own_name_alert(world)
    sign_in(page, live_server.url, world.sam)
    page.goto(f"{live_server.url}/audit/alerts/{alert.pk}/")
    expect(page.locator("main")).not_to_contain_text("``")
    expect(page.locator("main")).not_to_contain_text("benchmark")
    expect(page.locator("table.cp-evidence")).to_contain_text("Currently working with the child")
    _check(page, screenshot, size, "alert_detail_words")
