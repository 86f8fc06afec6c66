"""Each role starts where its work is, from ``/`` and after signing in (issue 17, point 2);
a safe ``next`` still wins, an off-site one never does."""

import base64

import pyotp
import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.models import Role
from access.sign_in.factors import has_security_key
from tests.factories import UserFactory
from tests.software_key import key_ceremony

PASSWORD = "correct horse battery staple"


@pytest.fixture
def roles(world):
    """Every role, by the page it should land on."""
    return {
        "alice": (world.alice, "/search/"),
        "datamanager": (
            UserFactory(organisation=world.council, role=Role.DATA_MANAGER),
            "/search/",
        ),
        "sam": (world.sam, "/supervision/"),
        "auditor": (
            UserFactory(organisation=None, role=Role.AUDITOR, is_staff=True),
            "/supervision/escalations/",
        ),
        "orgadmin": (
            UserFactory(organisation=world.school_a, role=Role.ORG_ADMIN, is_staff=True),
            "/admin/",
        ),
        "ada": (world.ada, "/admin/"),
    }


def _sign_in(client: Client, user, next_url: str | None = None):
    query = f"?next={next_url}" if next_url else ""
    client.post(f"/accounts/login/{query}", {"username": user.username, "password": PASSWORD})
    device = TOTPDevice.objects.get(user=user)
    code = pyotp.TOTP(base64.b32encode(device.bin_key).decode()).now()
    return client.post("/accounts/second-factor/", {"otp_token": code})


def _landing_after_sign_in(user) -> str:
    """Where signing in leads: by key for the roles that must use one (their factory gave
    them one), by TOTP code for the rest."""
    client = Client()
    if not has_security_key(user):
        response = _sign_in(client, user)
        assert response.status_code == 302
        return response["Location"]
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    response = key_ceremony(client, user)
    assert response.status_code == 200
    return response.json()["redirect_url"]


@pytest.mark.parametrize("persona", ["alice", "datamanager", "sam", "auditor", "orgadmin", "ada"])
def test_it_sends_each_role_from_home_to_its_work(roles, as_user, persona):
    user, landing = roles[persona]
    response = as_user(user).get("/")
    assert response.status_code == 302
    assert response["Location"] == landing
    assert as_user(user).get(landing).status_code == 200


@pytest.mark.parametrize("persona", ["alice", "datamanager", "sam", "auditor", "orgadmin", "ada"])
def test_it_lands_each_role_on_its_work_after_signing_in(roles, persona):
    user, landing = roles[persona]
    assert _landing_after_sign_in(user) == landing


def test_it_sends_an_admin_the_admin_site_refuses_to_the_inbox_not_round_in_circles(world, as_user):
    not_staff = UserFactory(organisation=world.school_a, role=Role.ORG_ADMIN, is_staff=False)
    assert as_user(not_staff).get("/")["Location"] == "/inbox/"


def test_it_still_goes_where_next_says(world):
    response = _sign_in(Client(), world.sam, next_url="/inbox/")
    assert response["Location"] == "/inbox/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/inbox/"])
def test_it_ignores_an_offsite_next_and_lands_on_the_role_page(world, target):
    response = _sign_in(Client(), world.sam, next_url=target)
    assert response["Location"] == "/supervision/"
