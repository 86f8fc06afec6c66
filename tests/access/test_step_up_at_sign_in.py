"""A code typed at sign-in is a fresh step-up for ``STEP_UP_SECONDS`` (issue 17, point 3):
break-glass right after signing in does not ask for a second code, a session older than
that still does."""

import base64

import pyotp
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "correct horse battery staple"


def _signed_in(user) -> Client:
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    device = TOTPDevice.objects.get(user=user)
    code = pyotp.TOTP(base64.b32encode(device.bin_key).decode()).now()
    response = client.post("/accounts/second-factor/", {"otp_token": code})
    assert response.status_code == 302
    return client


def test_it_opens_break_glass_right_after_sign_in_without_another_code(world):
    client = _signed_in(world.alice)
    response = client.get("/break-glass/")
    assert response.status_code == 200
    assert b"Emergency access to a child outside your records" in response.content


def test_it_asks_for_a_code_again_once_the_sign_in_is_no_longer_fresh(world):
    client = _signed_in(world.alice)
    later = timezone.now() + timezone.timedelta(seconds=settings.STEP_UP_SECONDS + 5)
    with time_machine.travel(later, tick=False):
        response = client.get("/break-glass/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/step-up/")


def test_it_does_not_count_a_password_alone_as_a_step_up(world):
    client = Client()
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    response = client.get("/break-glass/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/second-factor/"
    assert "cp_step_up_at" not in client.session


def test_it_does_not_count_a_code_as_a_step_up_for_someone_with_a_key(world):
    """Their step-up must be the key (access.sign_in.factors): a TOTP code at sign-in opens the
    session but break-glass still asks for the key."""
    from tests.software_key import SoftwareKey

    SoftwareKey("alice").credential_for(world.alice)
    client = _signed_in(world.alice)
    assert "cp_step_up_at" not in client.session
    response = client.get("/break-glass/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/step-up/")
