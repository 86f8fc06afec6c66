"""Connecting systems in admin (system admins only, audited, secret shown once) and the page
where a practitioner lets one act for them (fresh second factor, own organisation only)."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from access.models import Role
from api.models import ApiClient, ApiUserToken
from audit.models import AccessEvent
from tests.factories import OrganisationFactory, UserFactory

from .conftest import headers_for, token_response

ADD = reverse("admin:api_apiclient_add")
CHANGELIST = reverse("admin:api_apiclient_changelist")
SECRET = re.compile(r'id="client-secret">(cps_[^<]+)<')
TOKEN = re.compile(r'id="api-token">(cpu_[^<]+)<')
ACCESS = "/account/api-access/"
SEARCH = {"family_name": "Thompson", "purpose": "current_involvement"}


def _search(registered, token):
    return Client().get("/api/v1/children/", SEARCH, **headers_for(registered, token))


def _register(client: Client, organisation) -> tuple[ApiClient, str]:
    response = client.post(
        ADD,
        {
            "organisation": organisation.pk,
            "name": "Hillside MIS",
            "accreditation_reference": "DSPT-8J2",
            "accredited_until": (timezone.localdate() + timedelta(days=30)).isoformat(),
            "_save": "Save",
        },
    )
    assert response.status_code == 200, response.content[:400]
    return ApiClient.objects.get(), SECRET.search(response.content.decode()).group(1)


def test_a_system_admin_registers_a_system_and_sees_its_secret_once(world, as_user):
    admin = as_user(world.ada)
    client, secret = _register(admin, world.school_a)
    assert client.created_by == world.ada
    page = admin.get(reverse("admin:api_apiclient_change", args=[client.pk])).content.decode()
    assert secret not in page
    assert client.client_id in page


def test_a_system_is_registered_only_for_an_accredited_organisation(world, as_user):
    unaccredited = OrganisationFactory(name="Northside Youth Project", accredited=False)
    response = as_user(world.ada).post(
        ADD,
        {
            "organisation": unaccredited.pk,
            "name": "Northside app",
            "accreditation_reference": "DSPT-1",
            "accredited_until": (timezone.localdate() + timedelta(days=30)).isoformat(),
            "_save": "Save",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["organisation"]
    assert not ApiClient.objects.exists()


def test_a_registered_system_cannot_be_moved_to_another_organisation(world, as_user):
    admin = as_user(world.ada)
    client, _secret = _register(admin, world.school_a)
    page = admin.get(reverse("admin:api_apiclient_change", args=[client.pk]))
    assert "organisation" not in page.context["adminform"].form.fields


def test_registering_a_system_is_in_the_sealed_admin_history(world, as_user):
    client, _secret = _register(as_user(world.ada), world.school_a)
    entry = LogEntry.objects.get(object_pk=str(client.pk), content_type__model="apiclient")
    assert "previous_secret_hash" not in (entry.changes or {})
    assert client.application.client_secret not in str(entry.changes)
    assert AccessEvent.objects.filter(
        action=AccessEvent.Action.ADMIN_CHANGE, criteria__log_entry=entry.pk
    ).exists()


def _rotate(admin: Client, client: ApiClient) -> str:
    response = admin.post(
        CHANGELIST, {"action": "rotate_secret", "_selected_action": [client.pk], "index": "0"}
    )
    return SECRET.search(response.content.decode()).group(1)


def test_the_secret_is_kept_only_as_a_hash(world, as_user):
    client, secret = _register(as_user(world.ada), world.school_a)
    assert secret not in client.application.client_secret
    assert client.application.client_secret.startswith("md5$")  # the test settings' hasher
    assert client.application.client_id == client.client_id


def test_after_rotation_old_and_new_secrets_both_work_until_the_overlap_ends(
    world, as_user, stepped_up, settings
):
    settings.API_SECRET_OVERLAP_HOURS = 72
    admin = as_user(world.ada)
    client, old = _register(admin, world.school_a)
    practitioner = stepped_up(world.alice)
    page = practitioner.post("/account/api-access/", {"client": client.client_id})
    token = TOKEN.search(page.content.decode()).group(1)
    new = _rotate(admin, client)
    client.refresh_from_db()
    overlap = client.previous_secret_until - client.secret_rotated_at
    assert overlap == timedelta(hours=72)
    assert token_response(client.client_id, old).status_code == 200
    registered = SimpleNamespace(client_id=client.client_id, secret=new, access=None)
    assert _search(registered, token).status_code == 200
    ApiClient.objects.update(previous_secret_until=timezone.now() - timedelta(seconds=1))
    assert token_response(client.client_id, old).status_code == 401
    assert token_response(client.client_id, new).status_code == 200


def test_ending_the_previous_secret_stops_it_at_once(world, as_user):
    admin = as_user(world.ada)
    client, old = _register(admin, world.school_a)
    new = _rotate(admin, client)
    admin.post(
        CHANGELIST,
        {"action": "end_previous_secret", "_selected_action": [client.pk], "index": "0"},
    )
    assert token_response(client.client_id, old).status_code == 401
    assert token_response(client.client_id, new).status_code == 200


def test_the_toolkits_own_admin_pages_are_not_there(world, as_user):
    """A client made on them would have no organisation and no accreditation."""
    admin = as_user(world.ada)
    assert admin.get("/admin/oauth2_provider/application/add/").status_code == 404
    assert admin.get("/admin/oauth2_provider/accesstoken/").status_code == 404


def test_the_toolkits_registration_pages_are_not_routed(world, as_user):
    assert as_user(world.alice).get("/o/applications/register/").status_code == 404
    assert as_user(world.alice).get("/api/v1/oauth/authorize/").status_code == 404


def test_revoking_in_admin_stops_the_system(world, as_user):
    admin = as_user(world.ada)
    client, secret = _register(admin, world.school_a)
    assert token_response(client.client_id, secret).status_code == 200
    admin.post(CHANGELIST, {"action": "revoke", "_selected_action": [client.pk], "index": "0"})
    client.refresh_from_db()
    assert client.revoked_at is not None
    assert token_response(client.client_id, secret).status_code == 401


@pytest.mark.parametrize("role", [Role.ORG_ADMIN, Role.AUDITOR])
def test_only_a_system_admin_registers_systems(world, as_user, role):
    organisation = world.school_a if role == Role.ORG_ADMIN else None
    other = UserFactory(username="other", organisation=organisation, role=role, is_staff=True)
    response = as_user(other).get(ADD)
    assert response.status_code == 403


def test_a_practitioner_gets_a_token_for_their_organisations_system(
    world, stepped_up, school_system
):
    page = stepped_up(world.alice).post("/account/api-access/", {"client": school_system.client_id})
    token = TOKEN.search(page.content.decode()).group(1)
    response = Client().get("/api/v1/children/", SEARCH, **headers_for(school_system, token))
    assert response.status_code == 200


def test_the_token_page_asks_for_a_fresh_second_factor(world, as_user, school_system):
    response = as_user(world.alice).post(
        "/account/api-access/", {"client": school_system.client_id}
    )
    assert response.status_code == 302
    assert reverse("access:step_up") in response["Location"]
    assert not ApiUserToken.objects.exists()


def test_another_organisations_practitioner_cannot_choose_the_system(
    world, stepped_up, school_system
):
    page = stepped_up(world.charlie).get("/account/api-access/").content.decode()
    assert school_system.client_id not in page
    response = stepped_up(world.charlie).post(
        "/account/api-access/", {"client": school_system.client_id}
    )
    assert response.status_code == 400
    assert not ApiUserToken.objects.exists()


def test_a_practitioner_stops_every_token(world, stepped_up, school_system):
    practitioner = stepped_up(world.alice)
    page = practitioner.post("/account/api-access/", {"client": school_system.client_id})
    token = TOKEN.search(page.content.decode()).group(1)
    practitioner.post("/account/api-access/", {"stop_all": "1"})
    response = Client().get("/api/v1/children/", SEARCH, **headers_for(school_system, token))
    assert response.status_code == 401
