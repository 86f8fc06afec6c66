"""Every call's check of both parties is one SQL statement, and its lock-out and rate limits
one round trip to Redis (issue 19); the rules are the same as when each was asked on its own.

A call whose credentials fail any rule is refused by the one statement's check and then told
apart, one party at a time, for the audit: each refusal below is recorded with its own reason.
"""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import AccessToken

from access.gateway.rate import Taken
from access.models import Role
from api.models import ApiUserToken
from api.selectors import api_caller_get
from api.services import api_tokens_revoke
from api.throttles import ClientAndUserThrottle
from audit.models import AccessEvent

from .conftest import headers_for, registered_client, system_access_token, token_for

SEARCH = {"family_name": "Thompson", "purpose": "current_involvement"}
NOTIFICATIONS = "/api/v1/me/notifications/"


def _call(registered, token, path=NOTIFICATIONS, params=None, **extra):
    return Client().get(path, params or {}, **headers_for(registered, token), **extra)


def _stop_the_token(world, system):
    api_tokens_revoke(user=world.alice)


def _deactivate(world, system):
    world.alice.is_active = False
    world.alice.save()


def _make_an_admin(world, system):
    world.alice.role = Role.ORG_ADMIN
    world.alice.save()


def _withdraw_accreditation(world, system):
    world.school_a.accredited = False
    world.school_a.save()


def _narrow_the_scope(world, system):
    AccessToken.objects.update(scope="read")


def _revoke_the_access_token(world, system):
    AccessToken.objects.get().revoke()


def _expire_the_access_token(world, system):
    AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))


def _expire_the_practitioners_token(world, system):
    ApiUserToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_stop_the_token, "practitioner token stopped"),
        (_deactivate, "practitioner inactive or an admin"),
        (_make_an_admin, "practitioner inactive or an admin"),
        (_withdraw_accreditation, "system revoked or not accredited"),
        (_narrow_the_scope, "system token expired"),
        (_revoke_the_access_token, "system token unknown"),
        (_expire_the_access_token, "system token expired"),
        (_expire_the_practitioners_token, "practitioner token expired"),
    ],
)
def test_each_rule_still_refuses_and_is_audited_with_its_reason(
    world, school_system, change, reason
):
    token = token_for(world.alice, school_system)
    assert _call(school_system, token).status_code == 200
    change(world, school_system)
    assert _call(school_system, token).status_code == 401
    refused = AccessEvent.objects.get(action=AccessEvent.Action.API_AUTH_FAILED)
    assert refused.reason == reason


def test_both_parties_are_checked_with_one_statement(world, school_system):
    token = token_for(world.alice, school_system)
    access = system_access_token(school_system)
    api_caller_get(access_token=access, token=token)  # prepared once per session
    with CaptureQueriesContext(connection) as statements:
        caller = api_caller_get(access_token=access, token=token)
        # The gateway reads the practitioner's organisation and authority: already there.
        assert caller.user.organisation.local_authority.code == world.school_a.local_authority_id
        assert caller.client.organisation.accredited
    assert len(statements) == 1
    assert (caller.user, caller.client, caller.token.user) == (
        world.alice,
        school_system.model,
        world.alice,
    )


def test_a_locked_out_system_is_refused_from_another_address_with_right_credentials(
    world, school_system, settings
):
    settings.API_AUTH_FAILURE_LIMIT_PER_CLIENT = 2
    good = token_for(world.alice, school_system)
    for n in range(3):
        assert _call(school_system, f"cpu_guess{n}", REMOTE_ADDR=f"10.0.3.{n}").status_code == 401
    response = _call(school_system, good, REMOTE_ADDR="10.0.4.1")
    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.API_AUTH_FAILURE_WINDOW_SECONDS)
    assert "failed attempts" in response.json()["detail"]


def test_calls_refused_by_the_lock_out_spend_no_allowance(world, school_system, settings):
    settings.API_AUTH_FAILURE_LIMIT_PER_ADDRESS = 1
    settings.API_USER_RATE_LIMIT = 1
    good = token_for(world.alice, school_system)
    for n in range(2):
        _call(school_system, f"cpu_guess{n}")
    assert _call(school_system, good).status_code == 429  # locked out, not counted
    assert _call(school_system, good, REMOTE_ADDR="10.0.5.1").status_code == 200


def test_a_call_refused_for_the_practitioners_limit_spends_none_of_the_systems(
    world, school_system, settings
):
    settings.API_USER_RATE_LIMIT = 1
    settings.API_CLIENT_RATE_LIMIT = 3
    alices, bobs = token_for(world.alice, school_system), token_for(world.bob, school_system)
    assert _call(school_system, alices).status_code == 200
    for _ in range(3):
        response = _call(school_system, alices)
        assert response.status_code == 429
        assert response["Retry-After"] == str(settings.API_RATE_WINDOW_SECONDS)
    # The system has spent one of its three: bob's first call passes, his second his own limit.
    assert _call(school_system, bobs).status_code == 200


def test_the_system_limit_holds_across_its_practitioners(world, school_system, settings):
    settings.API_CLIENT_RATE_LIMIT = 2
    other = registered_client(world.school_a, name="Second MIS")
    assert _call(school_system, token_for(world.alice, school_system)).status_code == 200
    assert _call(school_system, token_for(world.bob, school_system)).status_code == 200
    assert _call(school_system, token_for(world.sam, school_system)).status_code == 429
    assert _call(other, token_for(world.sam, other)).status_code == 200


def test_a_caller_without_an_admission_is_throttled(world, school_system):
    """Fail closed: the throttle lets a call through only on authentication's say-so."""
    token = token_for(world.alice, school_system)
    caller = api_caller_get(access_token=system_access_token(school_system), token=token)
    assert caller.admission is None
    request = type("Request", (), {"auth": caller})()
    assert not ClientAndUserThrottle().allow_request(request, None)
    request.auth = replace(caller, admission=Taken.REFUSED)
    assert not ClientAndUserThrottle().allow_request(request, None)
    request.auth = replace(caller, admission=Taken.TAKEN)
    assert ClientAndUserThrottle().allow_request(request, None)


def test_a_search_still_counts_against_the_lookup_limit(world, school_system, settings):
    settings.LOOKUP_RATE_LIMIT = 1
    token = token_for(world.alice, school_system)
    assert _call(school_system, token, "/api/v1/children/", SEARCH).status_code == 200
    refused = _call(school_system, token, "/api/v1/children/", SEARCH)
    assert refused.status_code == 403
    assert refused.json()["reasons"]


def test_with_redis_unreachable_a_call_answers_503_and_nothing_else(world, school_system, settings):
    """Rule (failure is closed): the lock-out and the limits cannot be asked, so nothing is
    answered, as when each was its own round trip."""
    token = token_for(world.alice, school_system)
    headers = headers_for(school_system, token)
    unreachable = {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}
    settings.CACHES = {**settings.CACHES, "default": unreachable}
    response = Client().get("/api/v1/children/", SEARCH, **headers)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert b"Maya" not in response.content
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.SEARCH).exists()
