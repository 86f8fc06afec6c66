"""Vetting as evidence (issue 14): the DBS certificate's number and issue date, training and
agreement are recorded by an admin who attests to them — set from whoever saves, never typed,
never their own, and only for users of organisations they manage — and each attestation is
audited.

Personas beyond ``world``: olive, organisation admin of school A (alice's school; from
``tests/access/conftest.py``). Charlie (school B) is the one olive must not attest for.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from access.models import Role, User, vetting_problems
from access.vetting.evidence import (
    AttestationRefused,
    user_save_by_admin_attesting,
    vetting_attest_allowed,
)
from audit.models import AccessEvent
from audit.writer import Actor
from tests.factories import UserFactory

from .admin_forms import change_url, user_form

SEARCH = {"family_name": "Thompson", "purpose": "referral"}


def _renew(client, user, **changes):
    return client.post(change_url(user), user_form(user, **changes))


# --- The rule ---------------------------------------------------------------------------------


@pytest.mark.calendar
def test_it_refuses_a_dbs_date_without_its_certificate_number(world, as_user, clock):
    world.alice.dbs_certificate_number = ""
    world.alice.save()
    response = as_user(world.alice).get("/search/", SEARCH)
    assert response.status_code == 403
    assert b"DBS check is missing" in response.content


@pytest.mark.calendar
def test_it_counts_each_item_through_its_last_day(world, clock, settings):
    today = clock.date()
    world.alice.training_completed_on = today - timedelta(days=settings.VETTING_TRAINING_VALID_DAYS)
    assert vetting_problems(world.alice, today=today) == []
    assert vetting_problems(world.alice, today=today + timedelta(days=1)) == [
        "Your ContactPoint training is missing or has expired."
    ]


@pytest.mark.parametrize("number", ["12345678901", "1234567890123", "00123456789X"])
def test_it_refuses_a_certificate_number_that_is_not_twelve_digits(world, as_user, number):
    response = _renew(as_user(world.ada), world.alice, dbs_certificate_number=number)
    assert response.status_code == 200
    assert "12 digits" in response.content.decode()
    world.alice.refresh_from_db()
    assert world.alice.dbs_certificate_number != number


def test_it_accepts_the_number_typed_as_printed_with_spaces(world, as_user):
    _renew(as_user(world.ada), world.alice, dbs_certificate_number="0012 3456 7890")
    world.alice.refresh_from_db()
    assert world.alice.dbs_certificate_number == "001234567890"


# --- Attestation ------------------------------------------------------------------------------


@pytest.mark.calendar
def test_it_records_the_org_admin_who_saved_renewed_evidence(world, olive, as_user, clock):
    renewed = clock.date() - timedelta(days=2)
    response = _renew(
        as_user(olive),
        world.alice,
        dbs_certificate_number="001122334455",
        dbs_checked_on=renewed.isoformat(),
    )
    assert response.status_code == 302
    world.alice.refresh_from_db()
    assert world.alice.dbs_checked_on == renewed
    assert world.alice.vetting_attested_by == olive
    assert abs(world.alice.vetting_attested_at - timezone.now()) < timedelta(minutes=1)


@pytest.mark.calendar
def test_it_audits_the_attestation_without_the_certificate_number(world, olive, as_user, clock):
    _renew(as_user(olive), world.alice, dbs_certificate_number="001122334455")
    event = AccessEvent.objects.get(action=AccessEvent.Action.VETTING_ATTESTED)
    assert event.actor_id == olive.pk
    assert event.criteria["user"] == world.alice.pk
    assert event.criteria["changed"] == ["dbs_certificate_number"]
    assert "001122334455" not in str(event.criteria) + event.reason


def test_it_ignores_a_typed_attester(world, olive, as_user):
    _renew(
        as_user(olive),
        world.alice,
        training_completed_on=timezone.localdate().isoformat(),
        vetting_attested_by=world.ada.pk,
    )
    world.alice.refresh_from_db()
    assert world.alice.vetting_attested_by == olive


def test_it_attests_nothing_when_the_evidence_is_unchanged(world, olive, as_user):
    _renew(as_user(olive), world.alice, job_title="Deputy head")
    world.alice.refresh_from_db()
    assert world.alice.job_title == "Deputy head"
    assert world.alice.vetting_attested_by is None
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.VETTING_ATTESTED).exists()


def test_it_records_the_creator_as_attester_of_a_new_users_evidence(world, as_user):
    form = user_form(
        UserFactory.build(username="nina", organisation=world.school_b, supervisor=None),
        is_active=None,
    )
    assert as_user(world.ada).post("/admin/access/user/add/", form).status_code == 302
    nina = User.objects.get(username="nina")
    assert nina.vetting_attested_by == world.ada


def test_it_shows_an_admin_their_own_evidence_read_only(world, as_user):
    """Nobody attests their own evidence: on their own page the fields are not inputs."""
    body = as_user(world.ada).get(change_url(world.ada)).content.decode()
    assert 'name="dbs_checked_on"' not in body
    assert 'name="dbs_certificate_number"' not in body
    assert "Vetting today" in body


def test_it_keeps_an_admins_own_evidence_unchanged_when_they_post_it(world, as_user):
    before = world.ada.dbs_checked_on
    _renew(as_user(world.ada), world.ada, dbs_checked_on="2020-01-01")
    world.ada.refresh_from_db()
    assert world.ada.dbs_checked_on == before
    assert world.ada.vetting_attested_by is None


def test_it_never_lets_anyone_attest_for_themselves(world, olive):
    assert not vetting_attest_allowed(world.ada, world.ada)
    assert not vetting_attest_allowed(olive, olive)


def test_it_refuses_an_org_admin_attesting_for_another_organisation(world, olive, as_user):
    """The one who must not: charlie works at school B, which olive does not manage."""
    response = _renew(as_user(olive), world.charlie, dbs_checked_on="2020-01-01")
    assert response.status_code in (302, 404)
    world.charlie.refresh_from_db()
    assert world.charlie.dbs_checked_on != timezone.datetime(2020, 1, 1).date()
    assert world.charlie.vetting_attested_by is None
    assert not vetting_attest_allowed(olive, world.charlie)


def test_it_refuses_the_attestation_in_the_service_not_only_in_the_form(world, olive):
    world.charlie.dbs_checked_on = timezone.localdate()
    actor = Actor(olive.pk, "olive", olive.role, olive.organisation_id, None, "test")
    with pytest.raises(AttestationRefused):
        user_save_by_admin_attesting(
            user=world.charlie, created=False, requested_by=olive, actor=actor
        )
    world.charlie.refresh_from_db()
    assert world.charlie.vetting_attested_by is None


def test_it_refuses_an_org_admin_attesting_for_a_fellow_admin(world, olive):
    fellow = UserFactory(organisation=world.school_a, role=Role.ORG_ADMIN, is_staff=True)
    assert not vetting_attest_allowed(olive, fellow)
    assert vetting_attest_allowed(world.ada, fellow)


@pytest.mark.calendar
def test_it_shows_how_long_each_item_counts(world, as_user, clock, settings):
    world.alice.training_completed_on = clock.date() - timedelta(days=10)
    world.alice.agreement_signed_on = None
    world.alice.save()
    body = as_user(world.ada).get(change_url(world.alice)).content.decode()
    last_day = clock.date() + timedelta(days=settings.VETTING_TRAINING_VALID_DAYS - 10)
    assert f"ContactPoint training: current until {last_day:%-d %b %Y}" in body
    assert "Signed user agreement: missing" in body
    assert "Nobody has attested this evidence yet" in body
