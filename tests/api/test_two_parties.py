"""Rule (two parties): every call needs a registered, usable connecting system and a live
token of a practitioner of that system's own organisation, issued to that system."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken

from access.models import Role
from api.models import ApiUserToken
from api.services import TokenRefused, api_client_revoke
from audit.models import AccessEvent

from .conftest import (
    basic_auth,
    headers_for,
    registered_client,
    system_access_token,
    token_for,
    token_response,
)

SEARCH = {"family_name": "Thompson", "purpose": "current_involvement"}


def _search(registered, token):
    return Client().get("/api/v1/children/", SEARCH, **headers_for(registered, token))


def test_a_system_without_a_practitioner_gets_nothing(school_system):
    access = system_access_token(school_system)
    response = Client().get("/api/v1/children/", SEARCH, HTTP_AUTHORIZATION=f"Bearer {access}")
    assert response.status_code == 401
    assert "practitioner" in response.json()["detail"]


def test_a_practitioner_token_without_its_system_gets_nothing(world, school_system):
    token = token_for(world.alice, school_system)
    response = Client().get("/api/v1/children/", SEARCH, HTTP_X_PRACTITIONER_TOKEN=token)
    assert response.status_code == 401


def test_the_practitioner_token_in_place_of_the_systems_is_refused(world, school_system):
    token = token_for(world.alice, school_system)
    response = Client().get(
        "/api/v1/children/",
        SEARCH,
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_X_PRACTITIONER_TOKEN=token,
    )
    assert response.status_code == 401


def test_a_wrong_secret_gets_no_access_token(school_system):
    response = token_response(school_system.client_id, school_system.secret[:-2] + "xx")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "access_token" not in response.json()


def test_the_system_signs_in_with_client_credentials(school_system):
    response = token_response(school_system.client_id, school_system.secret)
    body = response.json()
    assert (response.status_code, body["token_type"], body["scope"]) == (200, "Bearer", "api")
    assert body["expires_in"] == settings.API_SYSTEM_TOKEN_SECONDS
    assert response["Cache-Control"] == "no-store"


def test_the_secret_in_the_form_body_works_too(school_system):
    response = Client().post(
        "/api/v1/oauth/token/",
        {
            "grant_type": "client_credentials",
            "client_id": school_system.client_id,
            "client_secret": school_system.secret,
        },
    )
    assert response.status_code == 200


def test_no_other_grant_is_given(school_system):
    response = Client().post(
        "/api/v1/oauth/token/",
        {"grant_type": "password", "username": "alice", "password": "x"},
        HTTP_AUTHORIZATION=basic_auth(school_system.client_id, school_system.secret),
    )
    assert response.status_code == 400
    assert "access_token" not in response.json()


def test_an_expired_system_access_token_is_refused(world, school_system):
    token = token_for(world.alice, school_system)
    assert _search(school_system, token).status_code == 200
    AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert _search(school_system, token).status_code == 401


def test_a_system_cannot_get_a_token_for_another_organisations_user(world, school_system):
    with pytest.raises(TokenRefused):
        token_for(world.charlie, school_system)


def test_a_system_cannot_use_another_systems_token(world, school_system):
    school_b_system = registered_client(world.school_b, name="Riverside MIS")
    charlies = token_for(world.charlie, school_b_system)
    assert _search(school_system, charlies).status_code == 401
    assert _search(school_b_system, charlies).status_code == 200


def test_a_token_obtained_for_one_system_is_refused_with_another_systems_credentials(
    world, school_system
):
    """Two systems of the same organisation: the token is bound to the one it was issued to."""
    other_system = registered_client(world.school_a, name="School nurse app")
    token = token_for(world.alice, school_system)
    assert _search(other_system, token).status_code == 401
    assert _search(school_system, token).status_code == 200
    refused = AccessEvent.objects.get(action=AccessEvent.Action.API_AUTH_FAILED)
    assert (refused.actor_id, refused.api_client) == (world.alice.pk, other_system.client_id)
    assert refused.reason == "practitioner token issued to another system"


def test_a_user_moved_to_another_organisation_loses_the_token(world, school_system):
    token = token_for(world.alice, school_system)
    world.alice.organisation = world.school_b
    world.alice.save()
    assert _search(school_system, token).status_code == 401
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.SEARCH).exists()


def test_a_revoked_system_is_refused_with_its_tokens(world, school_system):
    token = token_for(world.alice, school_system)
    assert _search(school_system, token).status_code == 200
    api_client_revoke(client=school_system.model)
    assert _search(school_system, token).status_code == 401
    assert ApiUserToken.objects.get().revoked_at is not None
    assert not AccessToken.objects.exists()
    assert token_response(school_system.client_id, school_system.secret).status_code == 401
    with pytest.raises(TokenRefused):
        token_for(world.alice, school_system)


def test_a_system_past_its_accreditation_is_refused(world, school_system):
    token = token_for(world.alice, school_system)
    system_access_token(school_system)
    school_system.model.accredited_until = timezone.localdate() - timedelta(days=1)
    school_system.model.save()
    assert _search(school_system, token).status_code == 401
    assert token_response(school_system.client_id, school_system.secret).status_code == 401


def test_an_expired_token_is_refused(world, school_system):
    token = token_for(world.alice, school_system)
    ApiUserToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _search(school_system, token).status_code == 401


def test_an_admin_cannot_let_a_system_act_for_them(world, school_system):
    world.bob.role = Role.ORG_ADMIN
    world.bob.save()
    with pytest.raises(TokenRefused):
        token_for(world.bob, school_system)


def test_a_token_is_kept_only_as_a_digest(world, school_system):
    token = token_for(world.alice, school_system)
    stored = ApiUserToken.objects.get()
    assert token not in stored.token_digest
    assert school_system.secret not in school_system.model.application.client_secret
    access = system_access_token(school_system)
    assert not AccessToken.objects.filter(token=access).exists()
    assert AccessToken.objects.get().token == ""


def test_issuing_a_token_is_audited_with_both_parties(world, school_system):
    token_for(world.alice, school_system)
    event = AccessEvent.objects.get(action=AccessEvent.Action.API_TOKEN_ISSUED)
    assert (event.actor_id, event.api_client) == (world.alice.pk, school_system.client_id)
