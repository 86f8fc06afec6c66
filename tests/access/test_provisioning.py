"""Separation of duties (issue 14, finding 1): a reader's e-mail, a reader's second factor and
access to children change only when a second, independent approver confirms.

Personas beyond ``world``: olive, organisation admin of school A (alice's school); connie and
cody, organisation admins of Leeds children's services (the authority's approvers); kenny,
organisation admin of Kent children's services (another authority: the one who must not see
Leeds requests); audrey, an auditor.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from access.models import Notification, ProvisioningRequest, RecoveryCode, Role, User
from access.provisioning.services import provisioning_may_approve, provisioning_requests_expire
from access.services import org_admin_grant, session_store_class
from access.sign_in.recovery_codes import recovery_codes_generate
from audit.models import AccessEvent, Alert
from directory.models import Organisation
from tests.factories import LocalAuthorityFactory, OrganisationFactory, UserFactory, actor_for
from tests.software_key import SoftwareKey

from .admin_forms import user_form

QUEUE = reverse("admin:provisioning_queue")
USERS = reverse("admin:access_user_changelist")
ADD_USER = reverse("admin:access_user_add")
PASSWORD = "correct horse battery staple"
Kind = ProvisioningRequest.Kind
Status = ProvisioningRequest.Status


def _org_admin(username, organisation):
    admin = UserFactory(
        username=username, organisation=organisation, role=Role.ORG_ADMIN, is_staff=True
    )
    org_admin_grant(user=admin, organisation=organisation)
    return admin


@pytest.fixture
def people(world):
    kent_council = OrganisationFactory(
        name="Kent Children's Services",
        kind=Organisation.Kind.LA_CHILDRENS_SERVICES,
        local_authority=world.kent,
    )
    return world, {
        "olive": _org_admin("olive", world.school_a),
        "connie": _org_admin("connie", world.council),
        "cody": _org_admin("cody", world.council),
        "kenny": _org_admin("kenny", kent_council),
        "audrey": UserFactory(
            username="audrey", organisation=None, role=Role.AUDITOR, is_staff=True
        ),
    }


def _decision_url(request: ProvisioningRequest) -> str:
    return reverse("admin:provisioning_decision", args=[request.pk])


def _change(client, user: User, **changes):
    url = reverse("admin:access_user_change", args=[user.pk])
    return client.post(url, user_form(user, **changes))


def _reset_second_factor(client, user: User):
    return client.post(
        USERS, {"action": "reset_second_factor", "_selected_action": [user.pk], "index": "0"}
    )


def _approve(client, request: ProvisioningRequest):
    """Approve; a second-factor reset also records the identity check it needs."""
    data = {"decision": "approve", "note": ""}
    if request.kind == Kind.SECOND_FACTOR_RESET:
        data = {**data, "identity_check": "video_call", "note": "Staff card shown on a call"}
    return client.post(_decision_url(request), data)


def _decline(client, request: ProvisioningRequest, note="Not asked for by the school"):
    return client.post(_decision_url(request), {"decision": "decline", "note": note})


def _refused_to_kenny(people, stepped_up, pending: ProvisioningRequest) -> None:
    """The one who must not see it: an admin of another authority's children's services,
    having just typed a fresh code."""
    client = stepped_up(people[1]["kenny"])
    assert client.get(_decision_url(pending)).status_code == 404
    assert _approve(client, pending).status_code == 404


def _only_request(kind: str) -> ProvisioningRequest:
    return ProvisioningRequest.objects.get(kind=kind)


def _email_request(people, as_user) -> ProvisioningRequest:
    world, p = people
    _change(as_user(p["olive"]), world.alice, email="attacker@example.net")
    return _only_request(Kind.EMAIL_CHANGE)


# --- E-mail change ------------------------------------------------------------------------------


def test_it_keeps_a_readers_old_email_until_a_second_person_approves(people, as_user):
    world, p = people
    response = _change(as_user(p["olive"]), world.alice, email="attacker@example.net")
    assert response.status_code == 302
    world.alice.refresh_from_db()
    assert world.alice.email == "alice@example.org"
    pending = _only_request(Kind.EMAIL_CHANGE)
    assert pending.status == Status.PENDING
    assert pending.requested_by == p["olive"]
    assert pending.proposed == {"email": "attacker@example.net"}


def test_it_tells_the_org_admin_the_email_change_waits(people, as_user):
    world, p = people
    client = as_user(p["olive"])
    response = _change(client, world.alice, email="attacker@example.net")
    page = client.get(response["Location"]).content.decode()
    assert "waits for a second approver" in page


def test_it_tells_the_authoritys_approvers_and_nobody_else(people, as_user):
    world, p = people
    _email_request(people, as_user)
    told = Notification.objects.filter(kind=Notification.Kind.PROVISIONING)
    assert sorted(n.recipient.username for n in told) == ["cody", "connie"]
    assert all("attacker@example.net" not in n.body for n in told)


def test_it_tells_the_other_system_admins_when_the_authority_has_no_admin(people, as_user):
    world, _p = people
    rutland_school = OrganisationFactory(local_authority=LocalAuthorityFactory(name="Rutland"))
    reader = UserFactory(username="rita", organisation=rutland_school)
    UserFactory(username="sid", organisation=None, role=Role.SYSTEM_ADMIN, is_staff=True)
    _change(as_user(world.ada), reader, email="rita.new@example.org")
    told = Notification.objects.filter(kind=Notification.Kind.PROVISIONING)
    assert [n.recipient.username for n in told] == ["sid"]


def test_it_still_saves_the_rest_of_the_form_at_once(people, as_user):
    world, p = people
    _change(as_user(p["olive"]), world.alice, email="new@example.org", job_title="Head of year")
    world.alice.refresh_from_db()
    assert world.alice.job_title == "Head of year"
    assert world.alice.email == "alice@example.org"


def test_it_holds_a_non_readers_email_change_too(people, as_user):
    """A supervisor endorses break-glass, an admin approves: taking over any account breaks a
    four-eyes rule somewhere, so every account's e-mail waits (on main before this change a
    non-reader's changed at once)."""
    world, p = people
    _change(as_user(p["olive"]), world.sam, email="sam.new@example.org")
    world.sam.refresh_from_db()
    assert world.sam.email == "sam@example.org"
    assert _only_request(Kind.EMAIL_CHANGE).target == world.sam


def test_it_stops_one_system_admin_taking_over_another(people, as_user, stepped_up):
    """Ada could otherwise move Bea's reset links to herself, then ask as one and approve as
    the other: now Bea's address waits for a third admin and then for Bea."""
    world, _p = people
    bea = UserFactory(username="bea", organisation=None, role=Role.SYSTEM_ADMIN, is_staff=True)
    _change(as_user(world.ada), bea, email="ada.again@example.net")
    bea.refresh_from_db()
    assert bea.email != "ada.again@example.net"
    pending = _only_request(Kind.EMAIL_CHANGE)
    assert not provisioning_may_approve(world.ada, pending)
    assert not provisioning_may_approve(bea, pending)


def test_it_asks_the_holder_before_applying_an_approved_email_change(people, as_user, stepped_up):
    """Two admins agreeing does not move where reset links go: the holder is asked first
    (test_provisioning_owner.py tests the confirmation itself)."""
    world, p = people
    pending = _email_request(people, as_user)
    _refused_to_kenny(people, stepped_up, pending)
    response = _approve(stepped_up(p["connie"]), pending)
    assert response.status_code == 302
    world.alice.refresh_from_db()
    assert world.alice.email == "alice@example.org"
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (Status.AWAITING_OWNER, p["connie"])
    asked = world.alice.notifications.get(kind=Notification.Kind.ACCOUNT_CHANGE)
    assert asked.link == "/account/changes/"
    assert "attacker@example.net" not in asked.body


def test_it_lets_a_system_admin_approve(people, as_user, stepped_up):
    world, p = people
    pending = _email_request(people, as_user)
    _approve(stepped_up(world.ada), pending)
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (Status.AWAITING_OWNER, world.ada)


def test_it_refuses_the_requester_approving_their_own_request(people, as_user, stepped_up):
    world, _p = people
    _change(as_user(world.ada), world.alice, email="ada.controls@example.net")
    pending = _only_request(Kind.EMAIL_CHANGE)
    client = stepped_up(world.ada)
    assert client.get(_decision_url(pending)).status_code == 404
    assert _approve(client, pending).status_code == 404
    world.alice.refresh_from_db()
    assert world.alice.email == "alice@example.org"
    assert pending.pk not in [r.pk for r in client.get(QUEUE).context["requests"]]


def test_it_answers_a_school_admin_and_another_authoritys_admin_with_404(
    people, as_user, stepped_up
):
    world, p = people
    pending = _email_request(people, as_user)
    for outsider in (p["kenny"], p["olive"]):
        client = stepped_up(outsider)
        assert client.get(_decision_url(pending)).status_code == 404
        assert _approve(client, pending).status_code == 404
        assert client.get(QUEUE).context["requests"] == []
    missing = reverse("admin:provisioning_decision", args=[987654])
    assert stepped_up(p["connie"]).get(missing).status_code == 404
    world.alice.refresh_from_db()
    assert world.alice.email == "alice@example.org"


def test_it_shows_the_request_in_the_authoritys_queue(people, as_user):
    _world, p = people
    pending = _email_request(people, as_user)
    response = as_user(p["connie"]).get(QUEUE)
    assert response.status_code == 200
    assert [r.pk for r in response.context["requests"]] == [pending.pk]
    assert _decision_url(pending) in response.content.decode()
    kennys_queue = as_user(p["kenny"]).get(QUEUE)
    assert kennys_queue.context["requests"] == []
    assert _decision_url(pending) not in kennys_queue.content.decode()


def test_it_keeps_the_queue_from_a_practitioner(people, as_user):
    world, _p = people
    _email_request(people, as_user)
    response = as_user(world.alice).get(QUEUE)
    assert response.status_code == 302


def test_it_asks_the_approver_for_a_fresh_code(people, as_user):
    world, p = people
    pending = _email_request(people, as_user)
    response = _approve(as_user(p["connie"]), pending)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("access:step_up"))
    world.alice.refresh_from_db()
    assert world.alice.email == "alice@example.org"


def test_it_refuses_an_approval_without_the_csrf_token(people, as_user, stepped_up):
    world, p = people
    pending = _email_request(people, as_user)
    client = stepped_up(p["connie"])
    client.handler.enforce_csrf_checks = True
    assert _approve(client, pending).status_code == 403
    world.alice.refresh_from_db()
    assert world.alice.email == "alice@example.org"


def test_it_changes_nothing_when_declined(people, as_user, stepped_up):
    world, p = people
    pending = _email_request(people, as_user)
    assert _decline(stepped_up(p["kenny"]), pending).status_code == 404
    assert _decline(stepped_up(p["connie"]), pending).status_code == 302
    world.alice.refresh_from_db()
    assert world.alice.email == "alice@example.org"
    assert mail.outbox == []
    pending.refresh_from_db()
    assert (pending.status, pending.note) == (Status.DECLINED, "Not asked for by the school")


def test_it_asks_why_when_declining(people, as_user, stepped_up):
    _world, p = people
    pending = _email_request(people, as_user)
    response = _decline(stepped_up(p["connie"]), pending, note="")
    assert response.status_code == 400
    pending.refresh_from_db()
    assert pending.status == Status.PENDING


def test_it_refuses_to_approve_an_expired_request(people, as_user, stepped_up):
    world, p = people
    pending = _email_request(people, as_user)
    ProvisioningRequest.objects.filter(pk=pending.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = _approve(stepped_up(p["connie"]), pending)
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    world.alice.refresh_from_db()
    assert world.alice.email == "alice@example.org"
    pending.refresh_from_db()
    assert pending.status == Status.EXPIRED


def test_it_marks_lapsed_requests_expired_without_anyone_touching_them(people, as_user):
    lapsed = _email_request(people, as_user)
    ProvisioningRequest.objects.filter(pk=lapsed.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert provisioning_requests_expire() == 1
    lapsed.refresh_from_db()
    assert lapsed.status == Status.EXPIRED
    assert AccessEvent.objects.filter(action="provision_expired").count() == 1
    assert provisioning_requests_expire() == 0  # once


def test_it_leaves_a_request_that_still_waits(people, as_user):
    pending = _email_request(people, as_user)
    assert provisioning_requests_expire() == 0
    pending.refresh_from_db()
    assert pending.status == Status.PENDING


def test_it_expires_a_request_after_the_setting(people, as_user, settings):
    settings.PROVISIONING_REQUEST_HOURS = 72
    pending = _email_request(people, as_user)
    assert pending.expires_at - pending.requested_at == timedelta(hours=72)


def test_it_audits_the_request_and_the_approval_and_alerts_the_auditors(
    people, as_user, stepped_up
):
    world, p = people
    _reset_second_factor(as_user(p["olive"]), world.alice)
    pending = _only_request(Kind.SECOND_FACTOR_RESET)
    _approve(stepped_up(p["connie"]), pending)
    events = AccessEvent.objects.filter(criteria__request=pending.pk).order_by("id")
    assert [(e.action, e.actor_username) for e in events] == [
        ("provision_requested", "olive"),
        ("provision_approved", "connie"),
    ]
    assert events[1].criteria["identity_check"] == "video_call"
    alert = Alert.objects.get(detector="reader_provisioning")
    assert alert.subject == world.alice
    assert alert.for_auditors
    assert set(alert.evidence_event_ids) == {e.pk for e in events}
    assert p["audrey"].notifications.exists()


def test_it_audits_a_decline_without_an_alert(people, as_user, stepped_up):
    _world, p = people
    pending = _email_request(people, as_user)
    _decline(stepped_up(p["connie"]), pending)
    actions = AccessEvent.objects.filter(criteria__request=pending.pk).values_list(
        "action", flat=True
    )
    assert sorted(actions) == ["provision_declined", "provision_requested"]
    assert not Alert.objects.filter(detector="reader_provisioning").exists()


# --- Second-factor reset ----------------------------------------------------------------------


def test_it_keeps_a_readers_authenticator_until_the_reset_is_approved(people, as_user):
    world, p = people
    _reset_second_factor(as_user(p["olive"]), world.alice)
    assert TOTPDevice.objects.filter(user=world.alice).exists()
    assert _only_request(Kind.SECOND_FACTOR_RESET).status == Status.PENDING


def test_it_removes_the_devices_and_ends_sessions_when_the_reset_is_approved(
    people, as_user, stepped_up
):
    world, p = people
    alice = as_user(world.alice)
    assert alice.get("/search/").status_code == 200
    _reset_second_factor(as_user(p["olive"]), world.alice)
    pending = _only_request(Kind.SECOND_FACTOR_RESET)
    _refused_to_kenny(people, stepped_up, pending)
    assert TOTPDevice.objects.filter(user=world.alice).exists()
    _approve(stepped_up(p["connie"]), pending)
    assert not TOTPDevice.objects.filter(user=world.alice).exists()
    assert not session_store_class()().exists(alice.session.session_key)
    assert alice.get("/search/")["Location"] == "/accounts/login/"


def test_it_makes_the_reader_enter_the_enrolment_code_before_enrolling_again(
    people, as_user, stepped_up
):
    world, p = people
    _reset_second_factor(as_user(p["olive"]), world.alice)
    _approve(stepped_up(world.ada), _only_request(Kind.SECOND_FACTOR_RESET))
    client = Client()
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert client.get("/accounts/second-factor/")["Location"] == "/accounts/enrol/"
    assert client.get("/accounts/enrol/")["Location"] == "/accounts/enrol/code/"


def test_it_keeps_the_authenticator_when_the_reset_is_declined(people, as_user, stepped_up):
    world, p = people
    _reset_second_factor(as_user(p["olive"]), world.alice)
    _decline(stepped_up(p["connie"]), _only_request(Kind.SECOND_FACTOR_RESET))
    assert TOTPDevice.objects.filter(user=world.alice).exists()


def test_it_removes_security_keys_and_recovery_codes_with_the_approved_reset(
    people, as_user, stepped_up
):
    """A key or a code left behind would let whoever holds it past the reset."""
    world, p = people
    SoftwareKey("alice").credential_for(world.alice)
    recovery_codes_generate(actor=actor_for(world.alice), user=world.alice)
    _reset_second_factor(as_user(p["olive"]), world.alice)
    assert WebAuthnCredential.objects.filter(user=world.alice).exists()
    _approve(stepped_up(p["connie"]), _only_request(Kind.SECOND_FACTOR_RESET))
    assert list(devices_for_user(world.alice, confirmed=None)) == []
    assert not WebAuthnCredential.objects.filter(user=world.alice).exists()
    assert not RecoveryCode.objects.filter(device__user=world.alice).exists()


def test_it_holds_a_non_readers_reset_too(people, as_user):
    world, p = people
    _reset_second_factor(as_user(p["olive"]), world.sam)
    assert TOTPDevice.objects.filter(user=world.sam).exists()
    assert _only_request(Kind.SECOND_FACTOR_RESET).target == world.sam


# --- Reader role grant ------------------------------------------------------------------------


def _newuser_form(organisation, role=Role.PRACTITIONER) -> dict:
    return {
        "username": "nina",
        "first_name": "Nina",
        "last_name": "Okafor",
        "email": "nina@example.org",
        "job_title": "Teaching assistant",
        "organisation": organisation.pk,
        "role": role,
        "is_active": "on",
        "_save": "Save",
    }


def test_it_creates_a_new_reader_inactive_until_approved(people, as_user):
    world, p = people
    as_user(p["olive"]).post(ADD_USER, _newuser_form(world.school_a))
    nina = User.objects.get(username="nina")
    assert not nina.is_active
    pending = _only_request(Kind.READER_ROLE_GRANT)
    assert pending.target == nina
    assert pending.proposed == {"role": Role.PRACTITIONER, "organisation_id": world.school_a.pk}


def test_it_activates_the_new_reader_when_approved(people, as_user, stepped_up):
    world, p = people
    as_user(p["olive"]).post(ADD_USER, _newuser_form(world.school_a))
    pending = _only_request(Kind.READER_ROLE_GRANT)
    _refused_to_kenny(people, stepped_up, pending)
    assert not User.objects.get(username="nina").is_active
    _approve(stepped_up(p["connie"]), pending)
    nina = User.objects.get(username="nina")
    assert nina.is_active
    assert nina.role == Role.PRACTITIONER
    assert Alert.objects.get(detector="reader_provisioning").subject == nina


def test_it_holds_a_promotion_to_a_reader_role_until_approved(people, as_user, stepped_up):
    world, p = people
    _change(as_user(world.ada), world.sam, role=Role.PRACTITIONER)
    world.sam.refresh_from_db()
    assert world.sam.role == Role.SUPERVISOR
    _approve(stepped_up(p["connie"]), _only_request(Kind.READER_ROLE_GRANT))
    world.sam.refresh_from_db()
    assert world.sam.role == Role.PRACTITIONER


def test_it_holds_a_readers_reactivation_until_approved(people, as_user):
    world, p = people
    world.alice.is_active = False
    world.alice.save()
    _change(as_user(p["olive"]), world.alice, is_active="on")
    world.alice.refresh_from_db()
    assert not world.alice.is_active
    assert _only_request(Kind.READER_ROLE_GRANT).status == Status.PENDING


def test_it_keeps_the_role_when_the_grant_is_declined(people, as_user, stepped_up):
    world, p = people
    _change(as_user(world.ada), world.dora, role=Role.CHILD_PROTECTION_PRACTITIONER)
    _decline(stepped_up(p["connie"]), _only_request(Kind.READER_ROLE_GRANT))
    world.dora.refresh_from_db()
    assert world.dora.role == Role.PRACTITIONER


def test_it_never_lets_the_target_approve_their_own_access(people, stepped_up):
    """Connie, a council admin who could approve anyone else's grant, cannot approve her own."""
    world, p = people
    _change(stepped_up(world.ada), p["connie"], role=Role.DATA_MANAGER)
    pending = _only_request(Kind.READER_ROLE_GRANT)
    assert not provisioning_may_approve(p["connie"], pending)
    assert _approve(stepped_up(p["connie"]), pending).status_code == 404
    p["connie"].refresh_from_db()
    assert p["connie"].role == Role.ORG_ADMIN
    assert provisioning_may_approve(p["cody"], pending)
