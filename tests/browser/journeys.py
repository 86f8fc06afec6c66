"""Steps shared by the browser journeys: signing in (with a security key for users who have
one, through Chrome's virtual authenticator; with a TOTP code otherwise) and the
accessibility check each page gets."""

import base64
import time

import pyotp
from axe_playwright_python.sync_playwright import Axe
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from access.sign_in.factors import has_security_key
from tests.software_key import SoftwareKey

PASSWORD = "correct horse battery staple"
AXE = Axe()


def totp_now(user) -> str:
    device = TOTPDevice.objects.get(user=user)
    return pyotp.TOTP(base64.b32encode(device.bin_key).decode()).now()


def totp_next_step(user) -> str:
    """The code of the next 30-second step. A code is accepted once (replay protection), so a
    step-up right after signing in needs a fresh one; the device accepts one step of clock
    drift (django-otp's default tolerance), so the next step's code is that fresh code
    without waiting half a minute for it."""
    device = TOTPDevice.objects.get(user=user)
    totp = pyotp.TOTP(base64.b32encode(device.bin_key).decode())
    return totp.at(int(time.time()) + totp.interval)


def virtual_authenticator(page) -> tuple[object, str]:
    """A security key plugged into this page's browser: Chrome's virtual authenticator (CTAP2
    over USB, with user verification), which answers every request at once as if touched.
    Returns the DevTools session and the authenticator's id."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def security_key_plug_in(page, user) -> None:
    """The virtual authenticator holding ``user``'s key as the factory registered it
    (``SoftwareKey(username)``), so it signs in as that user."""
    cdp, authenticator_id = virtual_authenticator(page)
    key = SoftwareKey(user.username)
    cdp.send(
        "WebAuthn.addCredential",
        {
            "authenticatorId": authenticator_id,
            "credential": {
                "credentialId": base64.b64encode(key.credential_id).decode(),
                "isResidentCredential": False,
                "rpId": "localhost",
                "privateKey": key.private_key_pkcs8_b64(),
                "signCount": 0,
            },
        },
    )


def sign_in(page, base_url: str, user) -> None:
    """Sign in as the user would: with their security key if they have one (the roles that
    must use one do: ``UserFactory.security_key``), else with a TOTP code."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    if has_security_key(user):
        security_key_plug_in(page, user)
        # The button does nothing until the library's module script has loaded and bound it;
        # a click before then was lost now and again (about one run in six).
        page.wait_for_load_state("networkidle")
        page.click("#passkey-verification-button")
        expect(page).not_to_have_url(f"{base_url}/accounts/second-factor/")
        return
    page.fill("#id_otp_token", totp_now(user))
    page.click("button[type=submit]")


def assert_accessible(page) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    results = AXE.run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], results.generate_report()
