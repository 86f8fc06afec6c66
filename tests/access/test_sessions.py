"""Sessions end after 15 idle minutes, after 12 hours whatever the activity, and at once when
the user is deactivated; the key changes when the second factor is verified.

Whoever holds the session key from before the second factor (a fixed or stolen cookie) is the
one who must not get in."""

import base64
import time

import pyotp
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.services import user_sessions_end
from audit.models import AccessEvent

PASSWORD = "correct horse battery staple"


def test_it_sets_the_idle_timeout_to_fifteen_minutes():
    assert settings.SESSION_COOKIE_AGE == 15 * 60


def _stored_key(client: Client) -> tuple:
    """(redis client, the Redis key) of the client's session."""
    from django.core.cache import cache

    key = cache.make_and_validate_key(
        "django.contrib.sessions.cache" + client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    return cache._cache.get_client(key, write=True), key


def test_each_request_starts_the_idle_time_again(world, as_user):
    client = as_user(world.alice)
    redis, key = _stored_key(client)
    redis.expire(key, 60)  # idle for 14 minutes
    assert client.get("/search/").status_code == 200
    assert settings.SESSION_COOKIE_AGE - 5 <= redis.ttl(key) <= settings.SESSION_COOKIE_AGE


def test_a_session_idle_for_the_timeout_is_gone(world, as_user):
    client = as_user(world.alice)
    redis, key = _stored_key(client)
    redis.pexpire(key, 1)  # what Redis does once the idle time is up
    time.sleep(0.01)
    assert client.get("/search/").status_code == 302
    assert not redis.exists(key)


def test_a_page_that_changes_nothing_in_the_session_does_not_write_it(world, as_user):
    """The record view sets the purpose every time; the same purpose again is no change, so
    the session is not saved (Django sets the cookie exactly when it saves)."""
    client = as_user(world.alice)
    child = world.maya
    path = f"/children/{child.public_id}/?purpose=current_involvement"
    assert client.get(path).status_code == 200
    response = client.get(path)
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    response = client.get(f"/children/{child.public_id}/?purpose=safeguarding_concern")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME in response.cookies
    assert client.session["cp_purpose"] == "safeguarding_concern"


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


# --- The device, read with the user (issue 16) --------------------------------------------


def test_a_device_unconfirmed_since_sign_in_verifies_nothing(world, as_user):
    client = as_user(world.alice)
    assert client.get("/search/").status_code == 200
    TOTPDevice.objects.filter(user=world.alice).update(confirmed=False)
    response = client.get("/search/")
    assert response.status_code == 302
    assert response["Location"] == reverse("access:second_factor")


def test_a_device_removed_since_sign_in_verifies_nothing(world, as_user):
    client = as_user(world.alice)
    TOTPDevice.objects.filter(user=world.alice).delete()
    assert client.get("/search/")["Location"] == reverse("access:second_factor")


def test_another_users_device_verifies_nothing(world, as_user):
    client = as_user(world.alice)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=world.bob).persistent_id
    session.save()
    assert client.get("/search/")["Location"] == reverse("access:second_factor")


def test_the_user_and_their_device_are_one_statement(world, as_user):
    from access.session_user import user_load

    with CaptureQueriesContext(connection) as queries:
        user = user_load(world.alice.pk)
    assert len(queries.captured_queries) == 1
    device = TOTPDevice.objects.get(user=world.alice, confirmed=True)
    assert user.confirmed_totp_devices == {device.pk: device}
    assert user.organisation == world.school_a
