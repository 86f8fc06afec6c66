"""API personas: school A's connecting system and a token for alice to use with it.

``api_call`` makes one call with both parties' credentials, as a connecting system would: the
system's OAuth access token, obtained at the real token endpoint with client credentials,
and the practitioner's token. The rest of the world is the shared one (``tests/conftest.py``).
"""

import base64
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from api.models import ApiClient
from api.services import api_client_credentials_new, api_token_issue
from audit.writer import Actor


def registered_client(organisation, name="School MIS", **fields) -> SimpleNamespace:
    """An ``ApiClient`` as admin makes one, with its secret (shown once, kept here)."""
    client = ApiClient(
        organisation=organisation,
        name=name,
        accreditation_reference="ACC-1",
        accredited_until=timezone.localdate() + timedelta(days=365),
        **fields,
    )
    secret = api_client_credentials_new(client=client)
    client.save()
    return SimpleNamespace(model=client, client_id=client.client_id, secret=secret, access=None)


def basic_auth(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def token_response(client_id: str, secret: str, **extra):
    """A client-credentials request to the token endpoint, as a vendor's OAuth library sends
    it (HTTP Basic, RFC 6749 §2.3.1)."""
    return Client().post(
        "/api/v1/oauth/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic_auth(client_id, secret),
        **extra,
    )


def system_access_token(registered) -> str:
    """The system's access token, obtained once per registered system."""
    if registered.access is None:
        response = token_response(registered.client_id, registered.secret)
        assert response.status_code == 200, response.content
        registered.access = response.json()["access_token"]
    return registered.access


def token_for(user, registered) -> str:
    actor = Actor(user.pk, user.username, user.role, user.organisation_id, "127.0.0.1", "test")
    return api_token_issue(user=user, client=registered.model, actor=actor)


def headers_for(registered, token: str) -> dict:
    return {
        "HTTP_AUTHORIZATION": f"Bearer {system_access_token(registered)}",
        "HTTP_X_PRACTITIONER_TOKEN": token,
    }


@pytest.fixture
def school_system(world):
    return registered_client(world.school_a)


@pytest.fixture
def api_call(world, school_system):
    """``api_call(path, user=alice, **params)``: a GET by school A's system for ``user``."""
    tokens = {}

    def call(path: str, user=None, registered=None, **params):
        user = user or world.alice
        registered = registered or school_system
        key = (user.pk, registered.client_id)
        if key not in tokens:
            tokens[key] = token_for(user, registered)
        return Client().get(path, params, **headers_for(registered, tokens[key]))

    return call
