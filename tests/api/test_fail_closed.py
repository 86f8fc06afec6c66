"""Rule (audit before data, failure is closed) through the API: when the audit log refuses
the event, every audited call answers a 503 problem with ``Retry-After``, shows nothing of the
child and leaves no event — as the pages do (tests/audit/test_fail_closed_everywhere.py names
these addresses as covered here)."""

import pytest
from django.test import Client

from audit.models import AccessEvent
from tests.audit.test_fail_closed import break_audit

from .conftest import headers_for, token_for
from .test_mine_and_limits import _notify

PURPOSE = "current_involvement"
CHILD_DETAILS = (b"Maya", b"Thompson")


def _paths(world) -> dict[str, tuple[str, dict]]:
    notification = _notify(world.alice)
    return {
        "api:children_search": (
            "/api/v1/children/",
            {"family_name": "Thompson", "purpose": PURPOSE},
        ),
        "api:children_record": (f"/api/v1/children/{world.maya.public_id}/", {"purpose": PURPOSE}),
        "api:me_notification": (f"/api/v1/me/notifications/{notification.pk}/", {}),
    }


CALLS = ("api:children_search", "api:children_record", "api:me_notification")
# The API's audited addresses, by URL name (the fail-closed test over every URL reads this).
AUDITED = (*CALLS, "api:oauth_token")


@pytest.mark.parametrize("name", CALLS)
def test_an_audited_call_fails_closed(world, school_system, name):
    path, params = _paths(world)[name]
    headers = headers_for(school_system, token_for(world.alice, school_system))
    assert Client().get(path, params, **headers).status_code == 200
    before = AccessEvent.objects.count()
    break_audit()
    response = Client().get(path, params, **headers)
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/problem+json")
    assert response["Retry-After"]
    for detail in CHILD_DETAILS:
        assert detail not in response.content
    assert AccessEvent.objects.count() == before


def test_the_token_endpoint_gives_no_token_it_could_not_audit(school_system):
    """A system signing in is audited in the token's transaction: no event, no token."""
    from oauth2_provider.models import AccessToken

    from .conftest import basic_auth

    break_audit()
    response = Client(raise_request_exception=False).post(
        "/api/v1/oauth/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic_auth(school_system.client_id, school_system.secret),
    )
    assert response.status_code == 503
    assert b"access_token" not in response.content
    assert not AccessToken.objects.exists()
