"""Sessions end after 15 idle minutes, after 12 hours whatever the activity, and at once when
the user is deactivated; the key changes when the second factor is verified.

Whoever holds the session key from before the second factor (a fixed or stolen cookie) is the
one who must not get in."""

import base64
import time

import pyotp
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.services import user_sessions_end
from audit.models import AccessEvent

PASSWORD = "correct horse battery staple"


def test_it_sets_the_idle_timeout_to_fifteen_minutes():
    assert settings.SESSION_COOKIE_AGE == 15 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_it_ends_a_session_older_than_the_absolute_limit(world, as_user):
    client = as_user(world.alice)
    assert client.get("/search/").status_code == 200
    session = client.session
    session["cp_session_started_at"] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get("/search/")
    assert response.status_code == 302
    assert client.get("/search/").status_code == 302


def test_it_ends_every_session_of_a_deactivated_user(world, as_user):
    client = as_user(world.alice)
    client.get("/search/")
    world.alice.is_active = False
    world.alice.save()
    assert client.get("/search/").status_code == 302


def test_it_deletes_the_sessions_it_ends(world):
    client = Client()
    client.post("/accounts/login/", {"username": "bob", "password": "correct horse battery staple"})
    assert user_sessions_end(user=world.bob) == 1
    assert client.get("/accounts/second-factor/").status_code == 302


# --- A new key at the second factor (issue 14, finding 6) -----------------------------------


def _code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return pyotp.TOTP(base64.b32encode(device.bin_key).decode()).now()


def _session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _with_key(key: str) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return client


def test_it_voids_the_password_only_session_key_when_the_second_factor_is_verified(world):
    client = Client()
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    before = _session_key(client)
    client.post("/accounts/second-factor/", {"otp_token": _code(world.alice)})
    assert _session_key(client) != before
    assert client.get("/search/").status_code == 200
    planted = _with_key(before).get("/search/", {"family_name": "Thompson", "purpose": "referral"})
    assert planted.status_code == 302
    assert planted["Location"] == "/accounts/login/"
    assert not AccessEvent.objects.filter(action="search").exists()


def test_it_voids_the_key_of_a_first_sign_in_when_the_new_device_is_confirmed(world):
    TOTPDevice.objects.filter(user=world.bob).delete()
    client = Client()
    client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    client.get("/accounts/enrol/")
    before = _session_key(client)
    device = TOTPDevice.objects.get(user=world.bob, confirmed=False)
    code = pyotp.TOTP(base64.b32encode(device.bin_key).decode()).now()
    client.post("/accounts/enrol/", {"otp_token": code})
    assert client.get("/search/").status_code == 200
    assert _with_key(before).get("/search/").status_code == 302


def test_it_still_ends_the_new_session_when_the_user_is_deactivated(world):
    client = Client()
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    client.post("/accounts/second-factor/", {"otp_token": _code(world.alice)})
    world.alice.is_active = False
    world.alice.save()
    assert client.get("/search/").status_code == 302
