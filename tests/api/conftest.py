"""API personas: school A's connecting system and a token for alice to use with it.

``api_call`` makes one call with both parties' credentials, as a connecting system would;
the rest of the world is the shared one (``tests/conftest.py``).
"""

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
    return SimpleNamespace(model=client, client_id=client.client_id, secret=secret)


def token_for(user, registered) -> str:
    actor = Actor(user.pk, user.username, user.role, user.organisation_id, "127.0.0.1", "test")
    return api_token_issue(user=user, client=registered.model, actor=actor)


def headers_for(registered, token: str) -> dict:
    return {
        "HTTP_X_CLIENT_ID": registered.client_id,
        "HTTP_X_CLIENT_SECRET": registered.secret,
        "HTTP_AUTHORIZATION": f"Bearer {token}",
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
