"""The journey a practitioner takes: sign in with a TOTP code, search, open a record."""

import base64

import pyotp
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.factories import CarerFactory

from .journeys import assert_accessible as _assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_takes_a_practitioner_from_sign_in_to_a_record(world, live_server, page, screenshot):
    CarerFactory(child=world.maya, given_name="Grace", phone="07700 900123")
    device = TOTPDevice.objects.get(user=world.alice)
    secret = base64.b32encode(device.bin_key).decode()

    page.goto(f"{live_server.url}/accounts/login/")
    _assert_accessible(page)
    screenshot("01-login")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "correct horse battery staple")
    page.click("button[type=submit]")

    expect(page.locator("h1")).to_have_text("Enter your security code")
    _assert_accessible(page)
    screenshot("02-second-factor")
    page.fill("#id_otp_token", pyotp.TOTP(secret).now())
    page.click("button[type=submit]")

    expect(page.locator("h1")).to_have_text("Find a child")
    _assert_accessible(page)
    page.fill("#id_family_name", "Tompson")
    page.check("text=Safeguarding concern")
    page.click("button:has-text('Search')")
    expect(page.locator(".cp-results")).to_contain_text("Maya Thompson")
    expect(page.locator(".cp-results")).to_contain_text("Family name differs by one letter")
    _assert_accessible(page)
    screenshot("03-search-results")

    page.click("text=Maya Thompson")
    expect(page.locator("h1")).to_have_text("Maya Thompson")
    expect(page.locator("main")).to_contain_text("07700 900123")
    _assert_accessible(page)
    screenshot("04-record")


def test_it_shows_the_same_not_found_page_for_out_of_scope(world, live_server, page):
    device = TOTPDevice.objects.get(user=world.charlie)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "charlie")
    page.fill("#id_password", "correct horse battery staple")
    page.click("button[type=submit]")
    page.fill("#id_otp_token", pyotp.TOTP(base64.b32encode(device.bin_key).decode()).now())
    page.click("button[type=submit]")
    response = page.goto(f"{live_server.url}/children/{world.maya.public_id}/?purpose=referral")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
