"""Signing in takes a password and then a TOTP code; nothing else gets past."""

import pyotp
import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AccessEvent
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


def _totp_now(device: TOTPDevice) -> str:
    import base64

    return pyotp.TOTP(base64.b32encode(device.bin_key).decode()).now()


def _password_step(client: Client, username: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_it_asks_for_a_code_after_the_password(world):
    client = Client()
    response = _password_step(client, "alice")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/second-factor/"


def test_it_keeps_a_half_signed_in_session_away_from_search(world):
    client = Client()
    _password_step(client, "alice")
    response = client.get("/search/", {"family_name": "Thompson", "purpose": "referral"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/second-factor/"
    assert not AccessEvent.objects.filter(action="search").exists()


def test_it_signs_in_with_the_right_code(world):
    client = Client()
    _password_step(client, "alice")
    device = TOTPDevice.objects.get(user=world.alice)
    response = client.post("/accounts/second-factor/", {"otp_token": _totp_now(device)})
    assert response.status_code == 302
    assert client.get("/search/").status_code == 200


def test_it_refuses_a_wrong_code_and_records_it(world):
    client = Client()
    _password_step(client, "alice")
    response = client.post("/accounts/second-factor/", {"otp_token": "000000"})
    assert response.status_code == 400
    assert b"security code is wrong" in response.content
    assert AccessEvent.objects.filter(action="otp_failed", actor_id=world.alice.pk).exists()
    assert client.get("/search/").status_code == 302


def test_it_slows_down_code_guessing(world):
    client = Client()
    _password_step(client, "alice")
    client.post("/accounts/second-factor/", {"otp_token": "000000"})
    device = TOTPDevice.objects.get(user=world.alice)
    response = client.post("/accounts/second-factor/", {"otp_token": _totp_now(device)})
    assert response.status_code == 400  # throttled: even the right code waits


def test_it_rejects_a_wrong_password_without_saying_which_part_was_wrong(world):
    response = _password_step(Client(), "alice", "wrong password")
    assert response.status_code == 400
    assert b"Enter a correct username and password" in response.content
    unknown = _password_step(Client(), "nobody", "wrong password")
    assert b"Enter a correct username and password" in unknown.content


def test_it_locks_the_username_from_one_address_after_repeated_failures(world):
    client = Client()
    for _ in range(5):
        _password_step(client, "alice", "wrong password")
    response = _password_step(client, "alice")
    assert response.status_code == 429
    assert b"Too many failed attempts" in response.content


def test_it_still_lets_the_real_user_in_from_another_address(world):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        _password_step(attacker, "alice", "wrong password")
    response = _password_step(Client(REMOTE_ADDR="198.51.100.7"), "alice")
    assert response.status_code == 302


def test_it_throttles_one_address_trying_many_usernames(world, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 3
    attacker = Client(REMOTE_ADDR="203.0.113.10")
    for name in ("u1", "u2", "u3"):
        _password_step(attacker, name, "guess")
    response = _password_step(attacker, "bob")
    assert response.status_code == 429


def test_it_enrols_a_new_user_with_a_qr_code(db):
    user = UserFactory(username="newbie")
    TOTPDevice.objects.filter(user=user).delete()
    client = Client()
    assert _password_step(client, "newbie")["Location"] == "/accounts/second-factor/"
    response = client.get("/accounts/second-factor/", follow=True)
    assert b"Set up your authenticator app" in response.content
    assert b"<svg" in response.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    client.post("/accounts/enrol/", {"otp_token": _totp_now(device)})
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/search/").status_code == 200


def test_it_does_not_offer_enrolment_to_a_user_who_has_a_device(world):
    client = Client()
    _password_step(client, "alice")
    response = client.get("/accounts/enrol/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/second-factor/"


def test_it_records_logins_and_logouts(world, as_user):
    client = Client()
    _password_step(client, "alice")
    client.post(
        "/accounts/second-factor/",
        {"otp_token": _totp_now(TOTPDevice.objects.get(user=world.alice))},
    )
    client.post("/accounts/logout/")
    actions = list(
        AccessEvent.objects.filter(actor_id=world.alice.pk).values_list("action", flat=True)
    )
    assert actions[0] == "login" and actions[-1] == "logout"


def test_it_destroys_the_session_on_logout(world, as_user):
    client = as_user(world.alice)
    cookie = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    replay = Client()
    replay.cookies["sessionid"] = cookie
    assert replay.get("/search/").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/"])
def test_it_ignores_an_offsite_next_address(world, target):
    client = Client()
    client.post(f"/accounts/login/?next={target}", {"username": "alice", "password": PASSWORD})
    device = TOTPDevice.objects.get(user=world.alice)
    response = client.post("/accounts/second-factor/", {"otp_token": _totp_now(device)})
    assert "evil" not in response["Location"]
