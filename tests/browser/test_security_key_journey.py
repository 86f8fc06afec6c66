"""A security key in chromium (issue 14): added from Sign-in methods, then used to sign in
and to step up, through Chrome's virtual authenticator — the browser's real WebAuthn, the
library's script and our endpoints, end to end."""

import re

import pytest
from playwright.sync_api import expect

from access.models import Role
from access.sign_in.recovery_codes import recovery_codes_generate
from tests.factories import UserFactory, actor_for
from tests.software_key import SoftwareKey

from .journeys import assert_accessible, security_key_plug_in, sign_in, virtual_authenticator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_adds_a_key_then_signs_in_and_steps_up_with_it(world, live_server, page, settings):
    base = live_server.url
    sign_in(page, base, world.alice)
    virtual_authenticator(page)

    page.click("text=Sign-in methods")
    expect(page.locator("h1")).to_have_text("Sign-in methods")
    assert_accessible(page)
    page.click("#passkey-register-button")
    expect(page.locator("h1")).to_have_text("Name your security key")
    page.fill("#id_name", "Blue YubiKey")
    page.click("button:has-text('Save')")
    expect(page.locator("table")).to_contain_text("Blue YubiKey")

    page.goto(f"{base}/accounts/logout/")
    page.click("button[type=submit]")
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "correct horse battery staple")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Use your security key")
    assert_accessible(page)
    page.click("#passkey-verification-button")
    expect(page).to_have_url(re.compile(r"/search/$"))

    # The key used at sign-in counts as a step-up for STEP_UP_SECONDS (access.sign_in.step_up); with
    # none left, break-glass asks for the key again.
    settings.STEP_UP_SECONDS = 0
    page.goto(f"{base}/break-glass/")
    expect(page.locator("h1")).to_have_text("Confirm it is you")
    expect(page.locator("#id_otp_token")).to_have_count(0)
    settings.STEP_UP_SECONDS = 300
    page.click("#passkey-verification-button")
    expect(page).to_have_url(re.compile(r"/break-glass/$"))
    expect(page.locator("h1")).to_contain_text("Emergency access")


def test_it_sends_a_data_manager_without_a_key_to_add_one_first(
    world, live_server, page, screenshot
):
    newcomer = UserFactory(
        username="newdm", organisation=world.council, role=Role.DATA_MANAGER, security_key=False
    )
    sign_in(page, live_server.url, newcomer)
    expect(page.locator("h1")).to_have_text("Add a security key to continue")
    assert_accessible(page)
    screenshot("security-key-needed")
    virtual_authenticator(page)
    page.click("#passkey-register-button")
    expect(page.locator("h1")).to_have_text("Name your security key")
    page.goto(f"{live_server.url}/search/")
    expect(page.locator("h1")).not_to_have_text("Add a security key to continue")


@pytest.mark.parametrize(
    "name,viewport",
    [("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})],
)
def test_it_lays_out_the_key_pages(world, live_server, page, screenshot, name, viewport):
    """Full-page screenshots (screenshots/security-key-*.png) for a person to look at; the
    pages are no wider than the screen and pass the accessibility check."""
    SoftwareKey("alice").credential_for(world.alice, name="Blue YubiKey")
    recovery_codes_generate(actor=actor_for(world.alice), user=world.alice)
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "correct horse battery staple")
    page.click("button[type=submit]")
    expect(page.locator("#passkey-verification-button")).to_be_visible()
    _fits(page, screenshot, f"security-key-sign-in-{name}", viewport)

    security_key_plug_in(page, world.alice)
    page.click("#passkey-verification-button")
    expect(page).to_have_url(re.compile(r"/search/$"))
    page.goto(f"{live_server.url}/account/sign-in-methods/")
    expect(page.locator("#passkey-register-button")).to_be_visible()
    _fits(page, screenshot, f"security-key-sign-in-methods-{name}", viewport)


def _fits(page, screenshot, name: str, viewport: dict) -> None:
    screenshot(name)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{name} is {width} px wide"
    assert_accessible(page)
