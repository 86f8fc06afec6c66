"""Recovery codes (issue 14): ten, shown once, stored hashed, each good for one sign-in;
a new set voids the old one and needs a step-up; a code never counts as a step-up."""

import re
import time

import pytest
from django.test import Client

from access.models import RecoveryCode, Role
from audit.models import AccessEvent
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"
CODE = re.compile(r"<code>([a-z0-9-]+)</code>")


def _make_codes(client) -> list[str]:
    response = client.post("/account/sign-in-methods/recovery-codes/")
    assert response.status_code == 200
    return CODE.findall(response.content.decode())


def _recover(user, code: str) -> tuple[Client, object]:
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    return client, client.post("/accounts/second-factor/recovery-code/", {"recovery_code": code})


def test_it_shows_ten_codes_once_and_keeps_only_their_hashes(world, as_user):
    codes = _make_codes(as_user(world.alice))

    assert len(codes) == len(set(codes)) == 10
    stored = list(RecoveryCode.objects.filter(device__user=world.alice))
    assert len(stored) == 10
    kept = " ".join(f"{row.salt} {row.digest}" for row in stored)
    assert not any(code.replace("-", "") in kept or code in kept for code in codes)
    assert AccessEvent.objects.filter(action=AccessEvent.Action.RECOVERY_CODES_MADE).count() == 1


def test_it_signs_in_with_a_code_and_says_how_many_are_left(world, as_user):
    codes = _make_codes(as_user(world.alice))

    client, response = _recover(world.alice, codes[3].upper().replace("-", " "))

    assert response.status_code == 200
    assert re.search(r'id="recovery-codes-remaining">9<', response.content.decode())
    assert client.get("/search/").status_code == 200
    [used] = AccessEvent.objects.filter(action=AccessEvent.Action.RECOVERY_CODE_USED)
    assert used.actor_username == "alice"
    assert used.reason == "signed in with a recovery code; 9 left"


def test_it_accepts_each_code_once(world, as_user):
    codes = _make_codes(as_user(world.alice))
    _recover(world.alice, codes[0])

    client, response = _recover(world.alice, codes[0])

    assert response.status_code == 400
    assert "already been used" in response.content.decode()
    assert client.get("/search/")["Location"] == "/accounts/second-factor/"
    failed = AccessEvent.objects.filter(action=AccessEvent.Action.SECOND_FACTOR_FAILED).last()
    assert failed.reason == "recovery code refused"


def test_it_lets_a_data_manager_whose_key_is_lost_in_with_a_code(world, stepped_up):
    manager = UserFactory(organisation=world.council, role=Role.DATA_MANAGER)
    codes = _make_codes(stepped_up(manager))

    client, response = _recover(manager, codes[0])

    assert response.status_code == 200
    assert client.get("/search/").status_code == 200


def test_it_makes_the_first_set_without_a_step_up_but_a_new_set_only_after_one(world, as_user):
    client = as_user(world.alice)
    first = _make_codes(client)

    again = client.post("/account/sign-in-methods/recovery-codes/")
    assert again["Location"].startswith("/accounts/step-up/?next=")
    session = client.session
    session["cp_step_up_at"] = time.time()
    session.save()
    second = _make_codes(client)

    assert set(first).isdisjoint(second)
    assert _recover(world.alice, second[0])[1].status_code == 200
    assert _recover(world.alice, first[1])[1].status_code == 400


def test_it_makes_a_guesser_wait_after_a_wrong_code(world, as_user):
    codes = _make_codes(as_user(world.alice))
    assert _recover(world.alice, "aaaa-aaaa-aaaa")[1].status_code == 400

    assert _recover(world.alice, codes[0])[1].status_code == 400
    assert RecoveryCode.objects.filter(used_at__isnull=False).count() == 0


def test_it_never_takes_a_recovery_code_as_a_step_up(world, as_user):
    client = as_user(world.alice)
    codes = _make_codes(client)

    page = client.get("/accounts/step-up/").content.decode()
    response = client.post("/accounts/step-up/", {"otp_token": codes[0]})

    assert "recovery" not in page.lower()
    assert response.status_code == 400
    assert "cp_step_up_at" not in client.session
    assert RecoveryCode.objects.filter(used_at__isnull=False).count() == 0


@pytest.mark.parametrize("path", ["/account/sign-in-methods/recovery-codes/"])
def test_it_sends_a_password_only_session_to_sign_in(world, path):
    client = Client()
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert client.post(path)["Location"] == "/accounts/second-factor/"
    assert not RecoveryCode.objects.exists()
