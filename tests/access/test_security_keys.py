"""Security keys and passkeys (issue 14): added from a verified session, used at sign-in and
step-up, removed only after a step-up and never below what the role needs; every ceremony
checked for real (origin, RP ID, challenge, signature) by a software authenticator."""

import base64

import pyotp
import pytest
from django.test import Client
from django_otp_webauthn.models import WebAuthnCredential

from access.models import Role
from audit.models import AccessEvent
from tests.factories import UserFactory
from tests.software_key import SoftwareKey, key_ceremony

PASSWORD = "correct horse battery staple"


def _password_only(user) -> Client:
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    return client


def _totp(user) -> str:
    device = user.totpdevice_set.get()
    return pyotp.TOTP(base64.b32encode(device.bin_key).decode()).now()


def _register(client, key: SoftwareKey, *, origin: str | None = None):
    begin = client.post("/accounts/keys/register/begin/")
    if begin.status_code != 200:
        return begin
    return client.post(
        "/accounts/keys/register/complete/",
        key.registration_response(begin.json(), origin=origin),
        content_type="application/json",
    )


def _events(action) -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(action=action).order_by("id"))


@pytest.fixture
def manager(world):
    """A data manager of Leeds: must use a key, and has one (``UserFactory.security_key``)."""
    return UserFactory(username="dm", organisation=world.council, role=Role.DATA_MANAGER)


# --- adding a key -----------------------------------------------------------------------------


def test_it_adds_a_key_through_a_registration_ceremony(world, as_user):
    response = _register(as_user(world.alice), SoftwareKey("alice's new key"))

    assert response.status_code == 200, response.content
    key = WebAuthnCredential.objects.get(user=world.alice)
    assert key.name == "Security key"
    assert response.json()["redirect_url"] == f"/account/sign-in-methods/keys/{key.pk}/name/"
    [added] = _events(AccessEvent.Action.KEY_REGISTERED)
    assert added.actor_username == "alice"


def test_it_refuses_to_add_a_key_with_only_the_password(world):
    response = _register(_password_only(world.alice), SoftwareKey("planted"))

    assert response.status_code == 403
    assert not WebAuthnCredential.objects.filter(user=world.alice).exists()


def test_it_refuses_a_key_made_on_another_site(world, as_user):
    response = _register(
        as_user(world.alice), SoftwareKey("phished"), origin="https://contactp0int.example"
    )

    assert response.status_code == 422
    assert not WebAuthnCredential.objects.filter(user=world.alice).exists()


# --- signing in -------------------------------------------------------------------------------


def test_it_signs_in_with_the_key_on_a_new_bound_session(world):
    SoftwareKey("alice").credential_for(world.alice)
    client = _password_only(world.alice)
    password_session = client.session.session_key

    response = key_ceremony(client, world.alice)

    assert response.status_code == 200, response.content
    assert response.json()["redirect_url"] == "/search/"
    assert client.session.session_key != password_session
    assert client.get("/search/").status_code == 200
    assert "sign-in" in _events(AccessEvent.Action.KEY_USED)[-1].reason
    assert WebAuthnCredential.objects.get(user=world.alice).last_used_at is not None


def test_it_offers_a_practitioner_with_a_key_the_code_as_well(world):
    SoftwareKey("alice").credential_for(world.alice)
    client = _password_only(world.alice)

    page = client.get("/accounts/second-factor/").content.decode()
    assert "Use your security key" in page
    assert 'name="otp_token"' in page
    response = client.post("/accounts/second-factor/", {"otp_token": _totp(world.alice)})
    assert response["Location"] == "/search/"


def test_it_refuses_someone_elses_key(world):
    SoftwareKey("bob").credential_for(world.bob)
    SoftwareKey("alice").credential_for(world.alice)
    client = _password_only(world.alice)
    begin = client.post("/accounts/keys/sign-in/begin/").json()

    response = client.post(
        "/accounts/keys/sign-in/complete/",
        SoftwareKey("bob").assertion_response(begin),
        content_type="application/json",
    )

    assert response.status_code == 403
    assert client.get("/search/")["Location"] == "/accounts/second-factor/"
    assert "credential_user_mismatch" in _events(AccessEvent.Action.SECOND_FACTOR_FAILED)[-1].reason


def test_it_accepts_each_challenge_once(world):
    SoftwareKey("alice").credential_for(world.alice)
    client = _password_only(world.alice)
    begin = client.post("/accounts/keys/sign-in/begin/").json()
    answer = SoftwareKey("alice").assertion_response(begin)
    first = client.post("/accounts/keys/sign-in/complete/", answer, "application/json")
    assert first.status_code == 200

    replay = _password_only(world.alice)
    again = replay.post("/accounts/keys/sign-in/complete/", answer, "application/json")
    assert again.status_code == 400
    assert replay.get("/search/")["Location"] == "/accounts/second-factor/"


def test_it_refuses_the_code_alone_to_a_data_manager_who_has_a_key(manager):
    client = _password_only(manager)

    page = client.get("/accounts/second-factor/").content.decode()
    response = client.post("/accounts/second-factor/", {"otp_token": _totp(manager)})

    assert 'name="otp_token"' not in page
    assert response.status_code == 400
    assert "signs in with a security key" in response.content.decode()
    assert client.get("/search/")["Location"] == "/accounts/second-factor/"
    assert key_ceremony(client, manager).status_code == 200
    assert client.get("/search/").status_code == 200


@pytest.mark.parametrize("role", [Role.ORG_ADMIN, Role.SYSTEM_ADMIN])
def test_it_refuses_the_code_alone_to_an_admin_who_has_a_key(world, role):
    organisation = world.school_a if role == Role.ORG_ADMIN else None
    admin = UserFactory(organisation=organisation, role=role, is_staff=True)
    client = _password_only(admin)

    assert client.post("/accounts/second-factor/", {"otp_token": _totp(admin)}).status_code == 400
    assert client.get("/admin/")["Location"].startswith("/accounts/")


def test_it_lets_a_data_manager_without_a_key_do_nothing_but_add_one(world):
    newcomer = UserFactory(organisation=world.council, role=Role.DATA_MANAGER, security_key=False)
    client = _password_only(newcomer)
    assert (
        client.post("/accounts/second-factor/", {"otp_token": _totp(newcomer)}).status_code == 302
    )

    for path in ("/search/", "/shielding/", "/inbox/", "/account/sign-in-methods/"):
        assert client.get(path)["Location"] == "/accounts/security-key-needed/"
    page = client.get("/accounts/security-key-needed/")
    assert "must sign in with a security key" in page.content.decode()

    assert _register(client, SoftwareKey(newcomer.username)).status_code == 200
    assert client.get("/search/").status_code == 200
    assert client.get("/accounts/security-key-needed/")["Location"] == "/search/"


def test_it_lets_the_roles_that_need_no_key_in_with_the_code(world):
    client = _password_only(world.sam)
    assert (
        client.post("/accounts/second-factor/", {"otp_token": _totp(world.sam)}).status_code == 302
    )
    assert client.get("/supervision/").status_code == 200


# --- step-up ----------------------------------------------------------------------------------


def test_it_steps_up_with_the_key_at_once(world, as_user):
    SoftwareKey("alice").credential_for(world.alice)
    client = as_user(world.alice)
    target = "/break-glass/"

    page = client.get(f"/accounts/step-up/?next={target}")
    assert "Use your security key" in page.content.decode()
    assert 'name="otp_token"' not in page.content.decode()
    response = key_ceremony(client, world.alice, purpose="step-up", next_url=target)

    assert response.status_code == 200, response.content
    assert response.json()["redirect_url"] == target
    assert client.session["cp_step_up_at"]
    assert "step-up" in _events(AccessEvent.Action.KEY_USED)[-1].reason


def test_it_refuses_a_code_at_step_up_from_someone_with_a_key(world, as_user):
    SoftwareKey("alice").credential_for(world.alice)
    client = as_user(world.alice)

    response = client.post("/accounts/step-up/", {"otp_token": _totp(world.alice)})

    assert response.status_code == 400
    assert "cp_step_up_at" not in client.session


def test_it_keeps_the_code_for_step_up_without_a_key(world, as_user):
    page = as_user(world.alice).get("/accounts/step-up/").content.decode()
    assert 'name="otp_token"' in page


def test_it_never_finishes_a_step_up_with_a_sign_in_challenge(world, as_user):
    SoftwareKey("alice").credential_for(world.alice)
    client = as_user(world.alice)
    begin = client.post("/accounts/keys/sign-in/begin/").json()

    response = client.post(
        "/accounts/keys/step-up/complete/",
        SoftwareKey("alice").assertion_response(begin),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "cp_step_up_at" not in client.session


def test_it_refuses_a_key_step_up_to_a_password_only_session(world):
    SoftwareKey("alice").credential_for(world.alice)
    client = _password_only(world.alice)
    assert client.post("/accounts/keys/step-up/begin/").status_code == 403


# --- the sign-in methods page -----------------------------------------------------------------


def test_it_lists_keys_with_their_names_and_last_use(world, as_user):
    SoftwareKey("alice").credential_for(world.alice, name="Blue YubiKey")
    page = as_user(world.alice).get("/account/sign-in-methods/").content.decode()
    assert "Blue YubiKey" in page
    assert "Not yet" in page


def test_it_renames_a_key(world, as_user):
    key = SoftwareKey("alice").credential_for(world.alice)
    client = as_user(world.alice)
    response = client.post(f"/account/sign-in-methods/keys/{key.pk}/name/", {"name": "Work laptop"})
    assert response["Location"] == "/account/sign-in-methods/"
    key.refresh_from_db()
    assert key.name == "Work laptop"


def test_it_answers_404_for_someone_elses_key(world, stepped_up):
    bobs = SoftwareKey("bob").credential_for(world.bob)
    alice = stepped_up(world.alice)
    for action in ("name", "remove"):
        url = f"/account/sign-in-methods/keys/{bobs.pk}/{action}/"
        assert alice.get(url).status_code == 404
        assert alice.post(url, {"name": "mine"}).status_code == 404
    assert WebAuthnCredential.objects.filter(pk=bobs.pk, name="Test security key").exists()


def test_it_asks_for_a_step_up_before_removing_a_key(world, as_user):
    key = SoftwareKey("alice").credential_for(world.alice)
    url = f"/account/sign-in-methods/keys/{key.pk}/remove/"

    response = as_user(world.alice).post(url)

    assert response["Location"] == f"/accounts/step-up/?next={url.replace('/', '%2F')}"
    assert WebAuthnCredential.objects.filter(pk=key.pk).exists()


def test_it_removes_a_key_after_a_step_up_and_records_it(world, stepped_up):
    key = SoftwareKey("alice").credential_for(world.alice)

    response = stepped_up(world.alice).post(f"/account/sign-in-methods/keys/{key.pk}/remove/")

    assert response["Location"] == "/account/sign-in-methods/"
    assert not WebAuthnCredential.objects.filter(pk=key.pk).exists()
    assert _events(AccessEvent.Action.KEY_REMOVED)[-1].reason == f"security key {key.pk} removed"


def test_it_never_removes_the_last_key_of_a_role_that_needs_one(manager, stepped_up):
    only = WebAuthnCredential.objects.get(user=manager)
    client = stepped_up(manager)
    url = f"/account/sign-in-methods/keys/{only.pk}/remove/"

    assert "Add another security key" in client.get(url).content.decode()
    assert client.post(url).status_code == 409
    assert WebAuthnCredential.objects.filter(pk=only.pk).exists()

    SoftwareKey("dm spare").credential_for(manager, name="Spare")
    assert client.post(url)["Location"] == "/account/sign-in-methods/"
    assert list(WebAuthnCredential.objects.filter(user=manager).values_list("name", flat=True)) == [
        "Spare"
    ]
