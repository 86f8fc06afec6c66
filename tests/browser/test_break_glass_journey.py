"""Break-glass from an empty search to the record, and the supervisor endorsing it."""

import pytest
from playwright.sync_api import expect

from .conftest import SCREENSHOTS
from .journeys import assert_accessible as _assert_accessible
from .journeys import sign_in as _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _save(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_it_breaks_glass_and_the_supervisor_endorses(world, live_server, browser):
    practitioner = browser.new_page()
    _sign_in(practitioner, live_server.url, world.alice)
    practitioner.goto(
        f"{live_server.url}/search/?family_name=Thompson&date_of_birth=2015-03-27"
        "&purpose=emergency&given_name=Oliver"
    )
    # Maya, born the same day, is offered as a possible match; Oliver is out of scope.
    expect(practitioner.locator("main")).to_contain_text("Possible matches")
    expect(practitioner.locator("main")).not_to_contain_text("Oliver")
    # Signed in seconds ago: the sign-in's code counts as the step-up (issue 17, point 3).
    practitioner.click("text=Emergency access (break-glass)")

    expect(practitioner.locator("h1")).to_contain_text("Emergency access")
    _assert_accessible(practitioner)
    practitioner.check("text=A child is at immediate risk of harm")
    practitioner.fill(
        "#id_justification",
        "Oliver was brought to A&E with a head injury; I need his school and social worker.",
    )
    _save(practitioner, "05-break-glass")
    practitioner.click("text=Continue to search")

    practitioner.fill("#id_family_name", "Thompson")
    practitioner.fill("#id_date_of_birth-day", "27")
    practitioner.fill("#id_date_of_birth-month", "3")
    practitioner.fill("#id_date_of_birth-year", "2015")
    practitioner.click("button:has-text('Search')")
    expect(practitioner.locator("table")).to_contain_text("Oliver Thompson")
    _assert_accessible(practitioner)
    _save(practitioner, "06-directory-search")
    practitioner.click("button:has-text('Open record of Oliver Thompson')")
    expect(practitioner.locator("h1")).to_have_text("Oliver Thompson")
    practitioner.goto(f"{live_server.url}/my-requests/")
    expect(practitioner.locator("table")).to_contain_text("Access granted")

    supervisor = browser.new_page()
    _sign_in(supervisor, live_server.url, world.sam)
    supervisor.goto(f"{live_server.url}/supervision/")
    expect(supervisor.locator("table")).to_contain_text("Oliver Thompson")
    _assert_accessible(supervisor)
    supervisor.get_by_role(
        "link", name=f"Review the emergency (break-glass) by {world.alice.get_full_name()}"
    ).click()
    expect(supervisor.locator("main")).to_contain_text("Record view")
    _assert_accessible(supervisor)
    supervisor.check("text=Endorse: the emergency access was justified")
    supervisor.fill("#id_note", "Right call: A&E needed the school's information.")
    _save(supervisor, "07-supervisor-decision")
    supervisor.click("text=Record decision")
    expect(supervisor.locator("main")).to_contain_text("Nothing is waiting for you")
