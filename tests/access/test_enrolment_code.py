"""An approved second-factor reset records an identity check and issues a one-time code the
holder types before enrolling again (issue 14, finding 1: "a second-factor reset makes the
user re-enrol after an identity check step that is recorded").

Before this change, whoever signed in next with the password enrolled their own device: the
first test failed on main (the enrolment page opened at once).
"""

import re
from datetime import timedelta

import pyotp
import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.models import ProvisioningRequest

from .test_provisioning import (  # noqa: F401 - people is a fixture
    PASSWORD,
    _decision_url,
    _only_request,
    _reset_second_factor,
    people,
)

Kind = ProvisioningRequest.Kind


@pytest.fixture
def reset(people, as_user, stepped_up):  # noqa: F811 - the fixture imported above
    """alice's reset, asked by her school's admin and approved after a video call by the
    authority's; returns the code shown to the approver."""
    world, p = people
    _reset_second_factor(as_user(p["olive"]), world.alice)
    response = stepped_up(p["connie"]).post(
        _decision_url(_only_request(Kind.SECOND_FACTOR_RESET)),
        {"decision": "approve", "identity_check": "video_call", "note": "Passport on Teams"},
    )
    assert response.status_code == 200
    code = re.search(r'id="enrolment-code">([A-Z0-9-]+)<', response.content.decode()).group(1)
    return world, p, code


def _signed_in_with_password(username="alice") -> Client:
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    return client


def _enrol(client: Client) -> bool:
    """Scan the QR (read the secret) and confirm with a code: True when enrolled."""
    page = client.get("/accounts/enrol/")
    if page.status_code != 200:
        return False
    secret = re.search(r'class="cp-secret">([A-Z2-7=]+)<', page.content.decode()).group(1)
    response = client.post("/accounts/enrol/", {"otp_token": pyotp.TOTP(secret).now()})
    return response.status_code == 302


def test_it_keeps_enrolment_shut_until_the_code_is_typed(reset):
    client = _signed_in_with_password()
    assert client.get("/accounts/enrol/")["Location"] == "/accounts/enrol/code/"
    assert client.post("/accounts/enrol/", {"otp_token": "123456"})["Location"] == (
        "/accounts/enrol/code/"
    )
    assert not TOTPDevice.objects.filter(user__username="alice", confirmed=True).exists()


def test_it_opens_enrolment_with_the_code_and_spends_it(reset):
    world, _p, code = reset
    client = _signed_in_with_password()
    assert client.post("/accounts/enrol/code/", {"code": code.lower()})["Location"] == (
        "/accounts/enrol/"
    )
    assert _enrol(client)
    request = _only_request(Kind.SECOND_FACTOR_RESET)
    assert request.enrolment_code_used_at is not None
    assert TOTPDevice.objects.filter(user=world.alice, confirmed=True).count() == 1


def test_it_takes_only_the_newest_resets_code(reset, as_user, stepped_up):
    """A code used once opens nothing again: the next reset needs the next check and code."""
    world, p, old_code = reset
    first = _signed_in_with_password()
    first.post("/accounts/enrol/code/", {"code": old_code})
    assert _enrol(first)
    _reset_second_factor(as_user(p["olive"]), world.alice)
    second_reset = ProvisioningRequest.objects.filter(
        kind=Kind.SECOND_FACTOR_RESET, status="pending"
    ).get()
    stepped_up(p["cody"]).post(
        _decision_url(second_reset),
        {"decision": "approve", "identity_check": "in_person", "note": "Met at the office"},
    )
    client = _signed_in_with_password()
    assert client.post("/accounts/enrol/code/", {"code": old_code}).status_code == 400
    assert not _enrol(client)


def test_it_records_the_identity_check_and_stores_no_plain_code(reset):
    _world, _p, code = reset
    request = _only_request(Kind.SECOND_FACTOR_RESET)
    assert request.identity_check == "video_call"
    assert request.identity_check_note == "Passport on Teams"
    assert code.replace("-", "") not in request.enrolment_code_hash


def test_it_audits_each_try(reset):
    from audit.models import AccessEvent

    _world, _p, code = reset
    client = _signed_in_with_password()
    client.post("/accounts/enrol/code/", {"code": "WRONG-CODE-HERE"})
    client.post("/accounts/enrol/code/", {"code": code})
    actions = list(
        AccessEvent.objects.filter(action__startswith="enrolment_code")
        .order_by("id")
        .values_list("action", "outcome", "actor_username")
    )
    assert actions == [
        ("enrolment_code_bad", "failed", "alice"),
        ("enrolment_code_used", "ok", "alice"),
    ]


def test_it_voids_the_code_after_too_many_wrong_tries(reset, settings):
    _world, _p, code = reset
    client = _signed_in_with_password()
    for _ in range(settings.ENROLMENT_CODE_MAX_FAILURES):
        assert client.post("/accounts/enrol/code/", {"code": "AAAA-AAAA-AAAA"}).status_code == 400
    response = client.post("/accounts/enrol/code/", {"code": code})
    assert response.status_code == 400
    assert "Too many wrong codes" in response.content.decode()
    assert not _enrol(client)


def test_it_refuses_an_expired_code(reset, settings):
    _world, _p, code = reset
    ProvisioningRequest.objects.filter(kind=Kind.SECOND_FACTOR_RESET).update(
        decided_at=timezone.now() - timedelta(hours=settings.ENROLMENT_CODE_HOURS, seconds=1)
    )
    client = _signed_in_with_password()
    response = client.post("/accounts/enrol/code/", {"code": code})
    assert "expired" in response.content.decode()
    assert not _enrol(client)


def test_it_refuses_an_approval_without_the_identity_check(people, as_user, stepped_up):  # noqa: F811
    world, p = people
    _reset_second_factor(as_user(p["olive"]), world.alice)
    pending = _only_request(Kind.SECOND_FACTOR_RESET)
    response = stepped_up(p["connie"]).post(
        _decision_url(pending), {"decision": "approve", "note": ""}
    )
    assert response.status_code == 400
    assert TOTPDevice.objects.filter(user=world.alice).exists()
    pending.refresh_from_db()
    assert pending.status == ProvisioningRequest.Status.PENDING


def test_it_leaves_a_first_enrolment_open(people):  # noqa: F811
    """A user who was never reset enrols as before (the code is for resets only)."""
    world, _p = people
    TOTPDevice.objects.filter(user=world.bob).delete()
    client = _signed_in_with_password("bob")
    assert _enrol(client)
