"""Vetting as evidence in the browser (issue 14): a supervisor's recertification queue on a
desktop and on a phone, withdrawing a member's access, and the vetting section of the admin
user page. Screenshots go to screenshots/vetting_*.png so a person can look at them."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from access.models import Role
from access.services import org_admin_grant
from audit.writer import PastEvent, access_events_load_synthetic
from tests.factories import UserFactory, actor_for

from .journeys import assert_accessible, sign_in
from .test_alert_review_journey import _own_name_alert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _lookups(user, searches: int, views: int, break_glass: int = 0) -> None:
    now = timezone.now()
    actions = ["search"] * searches + ["view"] * views + ["break_glass"] * break_glass
    access_events_load_synthetic(
        PastEvent(
            occurred_at=now - timedelta(days=n + 1),
            actor=actor_for(user),
            action=action,
            outcome="ok",
        )
        for n, action in enumerate(actions)
    )


@pytest.fixture
def team(world):
    _lookups(world.alice, searches=14, views=9, break_glass=1)
    _lookups(world.bob, searches=3, views=2)
    _own_name_alert(world)
    UserFactory(
        username="rosa",
        first_name="Rosa",
        last_name="Quigley-Fairweather",
        organisation=world.school_a,
        supervisor=world.sam,
        job_title="Special educational needs coordinator",
    )
    return world


@pytest.mark.parametrize(("size", "name"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_it_shows_the_recertification_queue(team, live_server, page, screenshot, size, name):
    page.set_viewport_size(size)
    sign_in(page, live_server.url, team.sam)
    if size == PHONE:
        page.click("text=Menu")
    page.click("nav >> text=Recertify")
    expect(page.locator("h1")).to_have_text("Recertify your team's access")
    table = page.locator("table")
    expect(table).to_contain_text(team.alice.get_full_name())
    expect(table).to_contain_text("14 searches, 9 records opened")
    expect(table).to_contain_text("1 open alert")
    expect(table).not_to_contain_text(team.charlie.get_full_name())
    screenshot(f"vetting_recertify_{name}")
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    assert_accessible(page)


def test_it_withdraws_a_members_access(team, live_server, page, screenshot):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, team.sam)
    page.goto(f"{live_server.url}/team/recertify/")
    page.click(f"button:has-text('Still needs access: {team.alice.get_full_name()}')")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("still needs access")
    page.click("a:has-text('Withdraw access: Rosa Quigley-Fairweather')")
    expect(page.locator("h1")).to_contain_text("Withdraw Rosa Quigley-Fairweather's access")
    page.fill("#id_note", "Moved to the trust's central team; no contact with children now.")
    assert_accessible(page)
    page.click("button:has-text('Withdraw access')")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("account is disabled")
    answered = page.locator("table").last
    expect(answered).to_contain_text("Access withdrawn")
    expect(answered).to_contain_text("Still needs access")
    screenshot("vetting_recertify_answered")


@pytest.mark.parametrize(("size", "name"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_it_shows_the_vetting_section_of_the_admin_user_page(
    world, live_server, page, screenshot, size, name
):
    olive = UserFactory(
        username="olive", organisation=world.school_a, role=Role.ORG_ADMIN, is_staff=True
    )
    org_admin_grant(user=olive, organisation=world.school_a)
    page.set_viewport_size(size)
    sign_in(page, live_server.url, olive)
    page.goto(f"{live_server.url}/admin/access/user/{world.alice.pk}/change/")
    page.fill("#id_dbs_certificate_number", "0012 3456 7890")
    page.click("input[name=_continue]")
    expect(page.locator(".readonly").filter(has_text="By ")).to_contain_text("(olive)")
    expect(page.locator("#id_dbs_certificate_number")).to_have_value("001234567890")
    page.locator("fieldset:has(h2:has-text('Vetting'))").scroll_into_view_if_needed()
    screenshot(f"vetting_admin_user_{name}")
