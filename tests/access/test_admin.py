"""Django admin: who gets in, whom an organisation admin manages, what admins may never do
(set or see a password, see a child), and the history every change leaves.

Personas beyond ``world``: olive, organisation admin of school A (alice and bob's school);
audrey, an auditor. Charlie (school B) is the one olive must not see.
"""

import re

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.shortcuts import get_objects_for_user

from access.models import ProvisioningRequest, Role, User
from access.services import session_store_class
from directory.models import Organisation
from tests.factories import CarerFactory, PractitionerFactory, UserFactory

from .admin_forms import change_url, user_form

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "Pale-lantern-orchard-47"
USERS = reverse("admin:access_user_changelist")
ADD_USER = reverse("admin:access_user_add")
HISTORY = reverse("admin:auditlog_logentry_changelist")
RESET_LINK = re.compile(r"http://testserver(/accounts/password-reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def audrey(world):
    return UserFactory(username="audrey", organisation=None, role=Role.AUDITOR, is_staff=True)


def _newuser_form(organisation: Organisation | None, **changes) -> dict:
    data = {
        "username": "nina",
        "first_name": "Nina",
        "last_name": "Okafor",
        "email": "nina@example.org",
        "job_title": "Teaching assistant",
        "organisation": organisation.pk if organisation else "",
        "role": Role.PRACTITIONER,
        "is_active": "on",
        "_save": "Save",
    }
    data.update(changes)
    return data


def _run_action(client: Client, action: str, *users: User):
    return client.post(
        USERS, {"action": action, "_selected_action": [u.pk for u in users], "index": "0"}
    )


def _reset_link(message) -> str:
    return RESET_LINK.search(message.body).group(1)


# --- Getting in -----------------------------------------------------------------------------


def test_it_sends_a_session_without_a_verified_second_factor_away_from_admin(world):
    client = Client()
    client.force_login(world.ada)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/second-factor/"


def test_it_opens_admin_to_a_verified_system_admin(world, as_user):
    assert as_user(world.ada).get("/admin/").status_code == 200


def test_it_keeps_a_practitioner_out_of_admin(world, as_user):
    response = as_user(world.alice).get("/admin/", follow=True)
    assert response.redirect_chain
    assert b"ContactPoint administration" not in response.content


def test_it_sends_admin_login_to_the_one_login_page(world, as_user):
    response = as_user(world.alice).get("/admin/login/", {"next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"


def test_it_keeps_a_practitioner_made_staff_by_mistake_out_of_admin(world, as_user):
    world.alice.is_staff = True
    world.alice.save()
    assert as_user(world.alice).get("/admin/").status_code == 302


def test_it_lets_an_auditor_into_admin(world, as_user, audrey):
    assert as_user(audrey).get("/admin/").status_code == 200


def test_it_lets_an_auditor_read_a_user_but_not_change_them(world, as_user, audrey):
    client = as_user(audrey)
    assert client.get(change_url(world.charlie)).status_code == 200
    response = client.post(change_url(world.charlie), user_form(world.charlie, job_title="X"))
    assert response.status_code == 403


# --- What an organisation admin sees and changes --------------------------------------------


def test_it_lists_only_the_org_admins_own_users(world, as_user, olive):
    response = as_user(olive).get(USERS)
    assert response.status_code == 200
    assert b">alice<" in response.content
    assert b">charlie<" not in response.content


def test_it_answers_an_org_admin_opening_another_orgs_user_as_if_there_were_none(
    world, as_user, olive
):
    client = as_user(olive)
    other = client.get(change_url(world.charlie))
    missing = client.get(reverse("admin:access_user_change", args=[987654]))
    assert other.status_code == missing.status_code == 302
    assert other["Location"] == missing["Location"] == "/admin/"


def test_it_ignores_an_org_admins_post_to_another_orgs_user(world, as_user, olive):
    form = user_form(world.charlie, job_title="Changed by olive")
    as_user(olive).post(change_url(world.charlie), form)
    world.charlie.refresh_from_db()
    assert world.charlie.job_title != "Changed by olive"


def test_it_lets_a_system_admin_change_any_orgs_user(world, as_user):
    form = user_form(world.charlie, job_title="Head of year")
    response = as_user(world.ada).post(change_url(world.charlie), form)
    assert response.status_code == 302
    world.charlie.refresh_from_db()
    assert world.charlie.job_title == "Head of year"


def test_it_lets_an_org_admin_create_a_user_in_their_org(world, as_user, olive):
    response = as_user(olive).post(ADD_USER, _newuser_form(world.school_a))
    assert response.status_code == 302
    nina = User.objects.get(username="nina")
    assert nina.organisation == world.school_a
    assert not nina.has_usable_password()
    assert not nina.is_staff


def test_it_refuses_an_org_admin_creating_a_user_in_another_org(world, as_user, olive):
    response = as_user(olive).post(ADD_USER, _newuser_form(world.school_b))
    assert response.status_code == 200
    assert not User.objects.filter(username="nina").exists()


def test_it_refuses_an_org_admin_creating_a_user_with_no_org(world, as_user, olive):
    as_user(olive).post(ADD_USER, _newuser_form(None))
    assert not User.objects.filter(username="nina").exists()


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.ORG_ADMIN, Role.AUDITOR])
def test_it_refuses_an_org_admin_granting_a_role_above_theirs(world, as_user, olive, role):
    response = as_user(olive).post(change_url(world.alice), user_form(world.alice, role=role))
    assert response.status_code == 200
    world.alice.refresh_from_db()
    assert world.alice.role == Role.PRACTITIONER
    assert not world.alice.is_staff


def test_it_offers_an_org_admin_no_staff_superuser_or_permission_boxes(world, as_user, olive):
    response = as_user(olive).get(change_url(world.alice))
    assert response.status_code == 200
    page = response.content.decode()
    for field in ("is_staff", "is_superuser", "groups", "user_permissions", "system_admin"):
        assert f'name="{field}"' not in page
        assert f'value="{field}"' not in page


def test_it_ignores_staff_and_superuser_flags_posted_by_an_org_admin(world, as_user, olive):
    form = user_form(world.alice, is_staff="on", is_superuser="on")
    as_user(olive).post(change_url(world.alice), form)
    world.alice.refresh_from_db()
    assert not world.alice.is_staff
    assert not world.alice.is_superuser


def test_it_keeps_an_org_admin_from_changing_a_fellow_admin(world, as_user, olive):
    fellow = UserFactory(
        username="felix", organisation=world.school_a, role=Role.ORG_ADMIN, is_staff=True
    )
    response = as_user(olive).post(change_url(fellow), user_form(fellow, role=Role.PRACTITIONER))
    assert response.status_code == 403
    fellow.refresh_from_db()
    assert fellow.role == Role.ORG_ADMIN


def test_it_lets_an_org_admin_update_their_users_vetting_dates(world, as_user, olive):
    form = user_form(world.alice, dbs_checked_on="2026-01-15")
    as_user(olive).post(change_url(world.alice), form)
    world.alice.refresh_from_db()
    assert world.alice.dbs_checked_on.isoformat() == "2026-01-15"


def test_it_lets_an_org_admin_set_a_supervisor_from_their_org(world, as_user, olive):
    as_user(olive).post(change_url(world.bob), user_form(world.bob, supervisor=world.alice.pk))
    world.bob.refresh_from_db()
    assert world.bob.supervisor == world.alice


def test_it_refuses_an_org_admin_a_supervisor_from_another_org(world, as_user, olive):
    as_user(olive).post(change_url(world.bob), user_form(world.bob, supervisor=world.charlie.pk))
    world.bob.refresh_from_db()
    assert world.bob.supervisor == world.sam


def test_it_grants_manage_users_when_a_system_admin_makes_an_org_admin(world, as_user):
    form = user_form(world.bob, role=Role.ORG_ADMIN)
    as_user(world.ada).post(change_url(world.bob), form)
    world.bob.refresh_from_db()
    assert world.bob.is_staff
    managed = get_objects_for_user(world.bob, "directory.manage_users", klass=Organisation)
    assert list(managed) == [world.school_a]


def test_it_revokes_manage_users_when_an_org_admin_loses_the_role(world, as_user, olive):
    as_user(world.ada).post(change_url(olive), user_form(olive, role=Role.SUPERVISOR))
    olive.refresh_from_db()
    assert not olive.is_staff
    assert not get_objects_for_user(olive, "directory.manage_users", klass=Organisation).exists()


def test_it_revokes_the_old_org_when_an_org_admin_moves(world, as_user, olive):
    as_user(world.ada).post(change_url(olive), user_form(olive, organisation=world.school_b.pk))
    managed = get_objects_for_user(olive, "directory.manage_users", klass=Organisation)
    assert list(managed) == [world.school_b]


def test_it_never_deletes_users_from_admin(world, as_user):
    url = reverse("admin:access_user_delete", args=[world.alice.pk])
    as_user(world.ada).post(url, {"post": "yes"})
    assert User.objects.filter(pk=world.alice.pk).exists()


# --- Passwords: started by an admin, chosen by their owner ----------------------------------


def test_it_shows_no_password_or_hash_on_the_user_page(world, as_user):
    response = as_user(world.ada).get(change_url(world.alice))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'type="password"' not in page
    assert "password/" not in page
    assert world.alice.password not in page


def test_it_has_no_admin_page_for_setting_a_users_password(world, as_user):
    url = change_url(world.alice) + "password/"
    response = as_user(world.ada).get(url)
    assert response.status_code != 200


def test_it_has_no_admin_page_for_changing_ones_own_password(world, as_user):
    client = as_user(world.ada)
    assert client.get("/admin/password_change/").status_code == 404
    assert client.get("/admin/password_change/done/").status_code == 404
    assert b"password_change" not in client.get("/admin/").content


def test_it_emails_a_password_reset_link(world, as_user):
    _run_action(as_user(world.ada), "send_password_reset", world.alice)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.org"]
    assert RESET_LINK.search(mail.outbox[0].body)


def test_it_shows_no_password_when_sending_a_reset_link(world, as_user):
    response = _run_action(as_user(world.ada), "send_password_reset", world.alice)
    page = as_user(world.ada).get(response["Location"]).content.decode()
    assert PASSWORD not in page
    assert PASSWORD not in mail.outbox[0].body
    assert world.alice.password not in page + mail.outbox[0].body


def test_it_lets_the_owner_choose_a_password_through_the_link(world, as_user):
    _run_action(as_user(world.ada), "send_password_reset", world.alice)
    client = Client()
    set_password_page = client.get(_reset_link(mail.outbox[0]))["Location"]
    response = client.post(
        set_password_page, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response["Location"] == reverse("access:password_reset_complete")
    world.alice.refresh_from_db()
    assert world.alice.check_password(NEW_PASSWORD)


def test_it_refuses_a_weak_password_through_the_link(world, as_user):
    _run_action(as_user(world.ada), "send_password_reset", world.alice)
    client = Client()
    set_password_page = client.get(_reset_link(mail.outbox[0]))["Location"]
    response = client.post(set_password_page, {"new_password1": "alice", "new_password2": "alice"})
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    world.alice.refresh_from_db()
    assert world.alice.check_password(PASSWORD)


def test_it_lets_a_new_user_choose_their_first_password(world, as_user, olive, stepped_up):
    """A new reader is active once a second approver agrees (tests/access/test_provisioning.py)."""
    client = as_user(olive)
    client.post(ADD_USER, _newuser_form(world.school_a))
    nina = User.objects.get(username="nina")
    grant = ProvisioningRequest.objects.get(target=nina)
    approval = reverse("admin:provisioning_decision", args=[grant.pk])
    stepped_up(world.ada).post(approval, {"decision": "approve", "note": ""})
    _run_action(client, "send_password_reset", nina)
    anonymous = Client()
    set_password_page = anonymous.get(_reset_link(mail.outbox[0]))["Location"]
    anonymous.post(
        set_password_page, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    nina.refresh_from_db()
    assert nina.check_password(NEW_PASSWORD)


def test_it_sends_no_reset_link_to_another_orgs_user(world, as_user, olive):
    _run_action(as_user(olive), "send_password_reset", world.charlie)
    assert mail.outbox == []


# --- Second factor and deactivation ---------------------------------------------------------


def test_it_holds_a_second_factor_reset_for_a_second_approver(world, as_user):
    """Every reset waits (tests/access/test_provisioning.py and test_enrolment_code.py follow
    it through approval and the enrolment code)."""
    _run_action(as_user(world.ada), "reset_second_factor", world.sam)
    assert TOTPDevice.objects.filter(user=world.sam).exists()
    assert ProvisioningRequest.objects.get(target=world.sam).kind == "second_factor_reset"


def test_it_keeps_an_org_admins_reset_off_another_orgs_user(world, as_user, olive):
    _run_action(as_user(olive), "reset_second_factor", world.charlie)
    assert TOTPDevice.objects.filter(user=world.charlie).exists()


def test_it_ends_sessions_when_the_action_deactivates_a_user(world, as_user):
    alice = as_user(world.alice)
    assert alice.get("/search/").status_code == 200
    _run_action(as_user(world.ada), "deactivate", world.alice)
    assert not session_store_class()().exists(alice.session.session_key)
    response = alice.get("/search/")
    assert response["Location"] == "/accounts/login/"


def test_it_ends_sessions_when_the_checkbox_deactivates_a_user(world, as_user, olive):
    alice = as_user(world.alice)
    assert alice.get("/search/").status_code == 200
    as_user(olive).post(change_url(world.alice), user_form(world.alice, is_active=None))
    assert not session_store_class()().exists(alice.session.session_key)
    response = alice.get("/search/")
    assert response["Location"] == "/accounts/login/"


def test_it_keeps_an_org_admins_deactivation_off_another_orgs_user(world, as_user, olive):
    _run_action(as_user(olive), "deactivate", world.charlie)
    world.charlie.refresh_from_db()
    assert world.charlie.is_active


# --- History --------------------------------------------------------------------------------


def test_it_records_an_admin_change_with_the_actor(world, as_user):
    as_user(world.ada).post(change_url(world.alice), user_form(world.alice, role=Role.SUPERVISOR))
    entry = LogEntry.objects.get_for_object(world.alice).latest("timestamp")
    assert entry.actor == world.ada
    assert entry.changes_dict["role"] == [Role.PRACTITIONER, Role.SUPERVISOR]


def test_it_records_a_second_factor_reset_with_the_approver(world, as_user, stepped_up):
    from access.models import User as Account

    approver = UserFactory(username="ada2", organisation=None, role=Role.SYSTEM_ADMIN)
    Account.objects.filter(pk=approver.pk).update(is_staff=True)
    _run_action(as_user(world.ada), "reset_second_factor", world.sam)
    request = ProvisioningRequest.objects.get(target=world.sam)
    stepped_up(approver).post(
        reverse("admin:provisioning_decision", args=[request.pk]),
        {"decision": "approve", "identity_check": "in_person", "note": "Met at the office"},
    )
    entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(TOTPDevice), action=LogEntry.Action.DELETE
    )
    assert entry.actor == approver
    assert "key" not in entry.changes_dict


def test_it_shows_history_to_an_auditor_read_only(world, as_user, audrey):
    as_user(world.ada).post(change_url(world.alice), user_form(world.alice, job_title="Head"))
    entry = LogEntry.objects.get_for_object(world.alice).latest("timestamp")
    client = as_user(audrey)
    assert client.get(HISTORY).status_code == 200
    delete = reverse("admin:auditlog_logentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_it_keeps_history_from_a_practitioner(world, as_user):
    assert as_user(world.alice).get(HISTORY).status_code == 302


def test_it_shows_an_org_admin_only_their_own_users_history(world, as_user, olive):
    client = as_user(world.ada)
    client.post(change_url(world.alice), user_form(world.alice, job_title="Alice's new job"))
    client.post(change_url(world.charlie), user_form(world.charlie, job_title="Charlie's job"))
    page = as_user(olive).get(HISTORY).content.decode()
    assert "alice" in page
    assert "charlie" not in page


# --- No child data --------------------------------------------------------------------------


def test_it_registers_no_child_model_in_admin(db):
    for name in ("Child", "Carer", "Involvement"):
        assert not admin.site.is_registered(apps.get_model("directory", name))


def test_it_shows_a_system_admin_no_child_data_on_any_admin_page(world, as_user):
    CarerFactory(child=world.maya, given_name="Zebedee", family_name="Quillfeather")
    PractitionerFactory(organisation=world.school_a, name="Ms Rhiannon Vale")
    child_words = {
        "Maya",
        "Thompson",
        "Oliver",
        "Maidstone",
        "ME14 1XX",
        "Zebedee",
        "Quillfeather",
        world.maya.public_id,
        world.kent_child.public_id,
    }
    people = User.objects.values_list("first_name", "last_name")
    child_words -= {name for pair in people for name in pair}
    client = as_user(world.ada)
    pages = [
        "/admin/",
        USERS,
        change_url(world.alice),
        reverse("admin:directory_organisation_changelist"),
        reverse("admin:directory_organisation_change", args=[world.school_a.pk]),
        reverse("admin:directory_practitioner_changelist"),
        HISTORY,
        reverse("admin:provisioning_queue"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert not [word for word in child_words if word in page], url


def test_it_keeps_a_supervisor_from_another_organisation_when_saved_unchanged(
    world, as_user, olive
):
    """Issue 14, finding 9: the page rendered no current value for a supervisor outside the
    org admin's organisations, so saving it unchanged silently dropped them."""
    lead = UserFactory(username="lena", organisation=world.council, role=Role.SUPERVISOR)
    User.objects.filter(pk=world.bob.pk).update(supervisor=lead)
    page = as_user(olive).get(change_url(world.bob)).content.decode()
    assert re.search(rf'<option value="{lead.pk}" selected>', page)
    as_user(olive).post(change_url(world.bob), user_form(world.bob, supervisor=lead.pk))
    world.bob.refresh_from_db()
    assert world.bob.supervisor == lead


def test_it_warns_when_a_reader_is_saved_without_a_supervisor(world, as_user, olive):
    """Issue 17, point 3: saved, but the admin is told what that means."""
    response = as_user(olive).post(
        change_url(world.bob), user_form(world.bob, supervisor=""), follow=True
    )
    assert "bob has no supervisor: they cannot use break-glass" in response.content.decode().lower()
    quiet = as_user(olive).post(change_url(world.alice), user_form(world.alice), follow=True)
    assert "has no supervisor" not in quiet.content.decode()
