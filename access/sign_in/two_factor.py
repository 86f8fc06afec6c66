"""TOTP devices: enrolment on first login and checking a code.

Every user, admins included, has exactly one confirmed TOTP device (security keys and
recovery codes come on top of it: ``access.sign_in.factors``). django-otp's device
throttling slows guessing: each failure doubles the wait before the next try counts.
"""

import base64

import segno
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..models import User


def confirmed_device(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(*, user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled, created on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def device_secret_base32(device: TOTPDevice) -> str:
    """The shared secret as an authenticator app expects it when typed by hand."""
    return base64.b32encode(device.bin_key).decode("ascii")


def device_qr_svg(device: TOTPDevice) -> str:
    """An inline SVG QR code of the ``otpauth://`` URI (served with the page, never stored)."""
    qr = segno.make(device.config_url, error="m")
    return qr.svg_inline(
        scale=5, dark="#0b0c0c", light="#ffffff", title="QR code for your authenticator app"
    )


def token_verify(*, device: TOTPDevice, token: str) -> bool:
    """Check ``token`` against ``device`` under django-otp's throttling (a malformed token
    counts as a failure, like a wrong one)."""
    compact = "".join(token.split())
    well_formed = compact.isdigit() and len(compact) == 6
    return device.verify_token(compact if well_formed else "not-a-code")


def device_reset(*, user: User) -> None:
    """Remove every second factor — authenticator app, security keys, recovery codes — so the
    user enrols again at next login (an admin action). All of them: a key or a code left
    behind would let whoever holds it past the reset that was meant to shut them out."""
    for device in devices_for_user(user, confirmed=None):
        device.delete()
