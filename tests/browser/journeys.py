"""Steps shared by the browser journeys: signing in with a TOTP code and the accessibility
check each page gets."""

import base64
import time

import pyotp
from axe_playwright_python.sync_playwright import Axe
from django_otp.plugins.otp_totp.models import TOTPDevice

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


def sign_in(page, base_url: str, user) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.fill("#id_otp_token", totp_now(user))
    page.click("button[type=submit]")


def assert_accessible(page) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    results = AXE.run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], results.generate_report()
