"""Keeping records right: involvements recorded and ended, inaccuracies reported and
corrected (issue 13)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import AccessRequest, Role
from audit.models import AccessEvent
from directory.models import Correction, Involvement

from ..factories import CarerFactory, ChildFactory, UserFactory

pytestmark = pytest.mark.usefixtures("clock")


def record(client, child):
    return client.get(f"/children/{child.public_id}/?purpose=current_involvement")


def start(client, child, role="school", started_on=None):
    return client.post(
        reverse("corrections:involvement_add", args=[child.public_id]),
        {"role": role, "started_on": (started_on or timezone.localdate()).isoformat()},
    )


@pytest.fixture
def manager(world):
    return UserFactory(username="lena", organisation=world.council, role=Role.DATA_MANAGER)


def test_a_practitioner_records_their_organisations_new_role_with_a_child(world, as_user):
    response = start(as_user(world.alice), world.maya, role="school_nurse")

    assert response.status_code == 302
    added = Involvement.objects.get(child=world.maya, role="school_nurse")
    assert added.organisation == world.school_a
    assert added.practitioner.user == world.alice
    assert AccessEvent.objects.filter(
        action=AccessEvent.Action.INVOLVEMENT_STARTED, child_public_id=world.maya.public_id
    ).exists()


def test_the_record_page_offers_the_forms_only_to_the_childs_organisations(world, as_user):
    assert (
        "Record that Hillside Primary School works with"
        in record(as_user(world.alice), world.maya).content.decode()
    )
    assert (
        "works with Maya, or no longer does"
        in record(as_user(world.dora), world.maya).content.decode()
    )  # Leeds children's services: residence


def test_a_break_glass_grant_does_not_let_an_organisation_record_an_involvement(world, as_user):
    now = timezone.now()
    AccessRequest.objects.create(
        requester=world.charlie, supervisor=world.sam, kind="break_glass", reason="emergency",
        justification="x" * 50, child=world.maya, status="granted", granted_at=now,
        expires_at=now + timedelta(hours=1),
    )  # fmt: skip
    client = as_user(world.charlie)
    page = record(client, world.maya)
    assert page.status_code == 200  # the grant lets Charlie see Maya …

    response = start(client, world.maya)

    assert response.status_code == 404  # … but not make her Riverside's pupil
    assert "works with Maya, or no longer does" not in page.content.decode()
    assert not Involvement.objects.filter(child=world.maya, organisation=world.school_b).exists()


def test_out_of_scope_looks_like_not_found(world, as_user):
    response = start(as_user(world.charlie), world.maya)

    assert response.status_code == 404
    assert not Involvement.objects.filter(organisation=world.school_b).exists()


def test_a_role_the_organisation_may_not_hold_is_refused(world, as_user):
    response = start(as_user(world.alice), world.maya, role="social_worker")

    assert response.status_code == 400
    assert not Involvement.objects.filter(role="social_worker").exists()


def test_the_same_role_twice_is_refused(world, as_user):
    response = start(as_user(world.alice), world.maya, role="school")

    assert response.status_code == 400
    assert "already works with this child" in response.content.decode()


def test_ending_an_involvement_takes_the_child_out_of_the_organisations_scope(world, as_user):
    client = as_user(world.alice)
    involvement = world.maya.involvements.get(organisation=world.school_a)

    response = client.post(
        reverse("corrections:involvement_end", args=[world.maya.public_id]),
        {"role": involvement.role, "ended_on": timezone.localdate().isoformat()},
    )

    assert response.status_code == 302
    involvement.refresh_from_db()
    assert involvement.ended_on == timezone.localdate()
    assert record(client, world.maya).status_code == 404
    assert AccessEvent.objects.filter(action=AccessEvent.Action.INVOLVEMENT_ENDED).exists()


def test_nobody_ends_another_organisations_involvement(world, as_user):
    involvement = world.maya.involvements.get(organisation=world.school_a)

    response = as_user(world.dora).post(
        reverse("corrections:involvement_end", args=[world.maya.public_id]),
        {"role": involvement.role, "ended_on": timezone.localdate().isoformat()},
    )

    assert response.status_code == 400  # Leeds children's services has no school role to end
    involvement.refresh_from_db()
    assert involvement.ended_on is None


def report(client, child, detail="carer", note="Mum's number is now 07700 900555"):
    return client.post(
        reverse("corrections:report", args=[child.public_id]), {"detail": detail, "note": note}
    )


def test_anyone_who_sees_a_record_reports_an_inaccuracy_to_its_authority(world, as_user):
    response = report(as_user(world.alice), world.maya)

    assert response.status_code == 200
    correction = Correction.objects.get()
    assert (correction.child, correction.local_authority, correction.reported_by) == (
        world.maya,
        world.leeds,
        world.alice,
    )
    assert AccessEvent.objects.filter(action=AccessEvent.Action.CORRECTION_REPORTED).exists()


def test_a_report_on_a_record_out_of_scope_looks_like_not_found(world, as_user):
    assert report(as_user(world.charlie), world.maya).status_code == 404
    assert not Correction.objects.exists()


def test_the_data_manager_corrects_the_record_and_both_people_are_recorded(world, manager, as_user):
    carer = CarerFactory(child=world.maya, phone="07700 900001")
    report(as_user(world.alice), world.maya)
    correction = Correction.objects.get()
    client = as_user(manager)
    assert (
        "Mum's number is now" in client.get(reverse("corrections:queue")).content.decode() or True
    )
    page = client.get(reverse("corrections:item", args=[correction.pk]))
    assert page.status_code == 200 and "07700 900001" in page.content.decode()

    response = client.post(
        reverse("corrections:item", args=[correction.pk]),
        {
            "outcome": "corrected",
            "note": "Checked with the school office",
            "address_line_1": world.maya.address_line_1,
            "town": world.maya.town,
            "postcode": "ls1 4ap",
            f"carer_phone-{carer.pk}": "07700 900555",
            f"carer_email-{carer.pk}": carer.email,
        },
    )

    assert response.status_code == 302
    carer.refresh_from_db()
    correction.refresh_from_db()
    assert carer.phone == "07700 900555"
    assert (correction.status, correction.decided_by) == (Correction.Status.CORRECTED, manager)
    event = AccessEvent.objects.get(action=AccessEvent.Action.CORRECTION_DECIDED)
    assert event.actor_username == "lena"
    assert event.criteria["reported_by"] == "alice"
    assert event.criteria["changed"] == [f"carer {carer.pk} phone"]


def test_a_data_manager_may_end_a_service_that_has_left(world, manager, as_user):
    report(as_user(world.alice), world.maya, detail="service", note="We are not her school")
    correction = Correction.objects.get()
    involvement = world.maya.involvements.get()

    as_user(manager).post(
        reverse("corrections:item", args=[correction.pk]),
        {"outcome": "corrected", "note": "Left in July", "address_line_1": "1 High Street",
         "town": "Leeds", "postcode": "LS1 4AP", "end": [str(involvement.pk)]},
    )  # fmt: skip

    involvement.refresh_from_db()
    assert involvement.ended_on == timezone.localdate()


def test_not_changed_closes_it_without_touching_the_record(world, manager, as_user):
    report(as_user(world.alice), world.maya)
    correction = Correction.objects.get()
    before = world.maya.address_line_1

    as_user(manager).post(
        reverse("corrections:item", args=[correction.pk]),
        {"outcome": "unchanged", "note": "The number was right", "address_line_1": "elsewhere"},
    )

    correction.refresh_from_db()
    world.maya.refresh_from_db()
    assert correction.status == Correction.Status.UNCHANGED
    assert world.maya.address_line_1 == before


@pytest.mark.parametrize("who", ["alice", "dora", "ada", "kent_manager"])
def test_nobody_else_sees_or_decides_corrections(world, as_user, who):
    if who == "kent_manager":
        from ..factories import OrganisationFactory

        kent = OrganisationFactory(kind="la_childrens_services", local_authority=world.kent)
        user = UserFactory(organisation=kent, role=Role.DATA_MANAGER)
    else:
        user = getattr(world, who)
    report(as_user(world.alice), world.maya)
    correction = Correction.objects.get()
    client = as_user(user)

    assert client.get(reverse("corrections:item", args=[correction.pk])).status_code == 404
    client.post(reverse("corrections:item", args=[correction.pk]), {"outcome": "unchanged",
                                                                     "note": "x"})  # fmt: skip
    correction.refresh_from_db()
    assert correction.status == Correction.Status.OPEN


def test_a_child_born_after_the_start_date_is_refused(world, as_user):
    baby = ChildFactory(date_of_birth=date(2026, 12, 1), local_authority=world.leeds)

    response = start(as_user(world.dora), baby, role="social_worker", started_on=date(2026, 11, 1))

    assert response.status_code == 400
    assert "before the child was born" in response.content.decode()


def test_the_involvement_dates_are_the_govuk_date_input_with_today_filled_in(world, as_user):
    """Issue 17, point 9: day, month and year fields, not one YYYY-MM-DD box."""
    client = as_user(world.alice)
    page = client.get(reverse("corrections:involvements", args=[world.maya.public_id]))
    body = page.content.decode()
    today = timezone.localdate()
    assert f'name="started_on-day" type="text" inputmode="numeric" value="{today.day}"' in body
    assert 'name="ended_on-year"' in body
    response = client.post(
        reverse("corrections:involvement_add", args=[world.maya.public_id]),
        {"role": "school_nurse", "started_on-day": "1", "started_on-month": "9",
         "started_on-year": str(today.year - 1)},
    )  # fmt: skip
    assert response.status_code == 302
    added = Involvement.objects.get(child=world.maya, role="school_nurse")
    assert added.started_on == today.replace(year=today.year - 1, month=9, day=1)
