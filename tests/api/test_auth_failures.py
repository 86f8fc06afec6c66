"""Rule (audit; no guessing): every failed authentication at the API is one event written by
the audit's writer, naming whoever could be identified, and past the failure limit an address
or a system is refused outright, right credentials included."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from api.models import ApiUserToken
from audit.models import AccessEvent

from .conftest import headers_for, system_access_token, token_for, token_response

SEARCH = {"family_name": "Thompson", "purpose": "current_involvement"}


def _failures():
    return list(AccessEvent.objects.filter(action=AccessEvent.Action.API_AUTH_FAILED))


def _search(registered, token, **extra):
    return Client().get("/api/v1/children/", SEARCH, **headers_for(registered, token), **extra)


def test_a_wrong_secret_is_audited_with_the_system_it_named(school_system):
    token_response(school_system.client_id, "cps_wrong")
    (event,) = _failures()
    assert event.api_client == school_system.client_id
    assert event.outcome == AccessEvent.Outcome.FAILED
    assert event.actor_id is None
    assert "invalid_client" in event.reason


def test_an_unknown_client_id_is_audited_without_filling_the_client_column(db):
    token_response("cpc_invented", "cps_whatever")
    (event,) = _failures()
    assert event.api_client is None
    assert "cpc_invented" in event.reason


def test_a_system_signing_in_is_audited(school_system):
    system_access_token(school_system)
    event = AccessEvent.objects.get(action=AccessEvent.Action.API_SYSTEM_SIGNED_IN)
    assert event.api_client == school_system.client_id
    assert not _failures()


def test_an_unknown_system_access_token_is_audited(world, school_system):
    token = token_for(world.alice, school_system)
    response = Client().get(
        "/api/v1/children/",
        SEARCH,
        HTTP_AUTHORIZATION="Bearer not-a-token",
        HTTP_X_PRACTITIONER_TOKEN=token,
    )
    assert response.status_code == 401
    (event,) = _failures()
    assert (event.reason, event.api_client) == ("system token unknown", None)


def test_an_expired_practitioner_token_is_audited_with_both_parties(world, school_system):
    token = token_for(world.alice, school_system)
    ApiUserToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _search(school_system, token).status_code == 401
    (event,) = _failures()
    assert (event.actor_id, event.api_client) == (world.alice.pk, school_system.client_id)
    assert event.reason == "practitioner token expired"
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.SEARCH).exists()


def test_an_unknown_practitioner_token_is_audited_with_the_system(school_system):
    assert _search(school_system, "cpu_guess").status_code == 401
    (event,) = _failures()
    assert (event.actor_id, event.api_client) == (None, school_system.client_id)
    assert event.reason == "practitioner token unknown"


def test_a_call_that_authenticates_records_no_failure(world, school_system):
    assert _search(school_system, token_for(world.alice, school_system)).status_code == 200
    assert not _failures()


def test_past_the_limit_an_address_is_refused_even_with_the_right_secret(school_system, settings):
    settings.API_AUTH_FAILURE_LIMIT_PER_ADDRESS = 3
    for _ in range(4):
        assert token_response(school_system.client_id, "cps_guess").status_code == 401
    response = token_response(school_system.client_id, school_system.secret)
    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.API_AUTH_FAILURE_WINDOW_SECONDS)
    other_address = token_response(
        school_system.client_id, school_system.secret, REMOTE_ADDR="10.0.0.9"
    )
    assert other_address.status_code == 200


def test_past_the_limit_a_system_is_refused_from_every_address(school_system, settings):
    settings.API_AUTH_FAILURE_LIMIT_PER_CLIENT = 3
    for n in range(4):
        response = token_response(school_system.client_id, "cps_guess", REMOTE_ADDR=f"10.0.1.{n}")
        assert response.status_code == 401
    response = token_response(school_system.client_id, school_system.secret, REMOTE_ADDR="10.0.2.1")
    assert response.status_code == 429


def test_guessing_practitioner_tokens_locks_the_calls_out(world, school_system, settings):
    settings.API_AUTH_FAILURE_LIMIT_PER_ADDRESS = 3
    good = token_for(world.alice, school_system)
    for n in range(4):
        assert _search(school_system, f"cpu_guess{n}").status_code == 401
    response = _search(school_system, good)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert "Retry-After" in response
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.SEARCH).exists()
