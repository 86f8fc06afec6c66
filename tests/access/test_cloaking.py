"""Cloaking: a sensitive service is told who looked up a child it works with, and the one who
looked sees exactly what they would see if the service did not exist."""

import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.db import InternalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.gateway.cloaked_enquiries import cloaked_enquiries_process
from access.gateway.cloaking import cloaked_enquiry_notify
from access.models import Notification, Role
from access.notification_mail import notification_email_deliver
from audit.models import AccessEvent
from directory.models import Organisation
from tests.factories import (
    InvolvementFactory,
    OrganisationFactory,
    PractitionerFactory,
    UserFactory,
)


def _url(child, purpose="safeguarding_concern"):
    return f"/children/{child.public_id}/?purpose={purpose}"


@pytest.fixture
def clinic(world):
    """A sexual-health service working with Maya: nina is her named nurse, nico a colleague,
    rita its receptionist (no practitioner role)."""
    service = OrganisationFactory(
        name="Sexual Health Leeds",
        kind=Organisation.Kind.HEALTH_SERVICE,
        local_authority=world.leeds,
        sensitive_service=True,
    )
    nina = UserFactory(username="nina", organisation=service, job_title="Sexual health nurse")
    nico = UserFactory(username="nico", organisation=service, job_title="Sexual health nurse")
    rita = UserFactory(username="rita", organisation=service, role=Role.ORG_ADMIN)
    nurse = PractitionerFactory(organisation=service, name="Nina Okafor", user=nina)
    involvement = InvolvementFactory(
        child=world.maya, organisation=service, practitioner=nurse, role="sexual_health"
    )
    return SimpleNamespace(
        service=service, nina=nina, nico=nico, rita=rita, involvement=involvement
    )


def _received(user):
    """What ``user`` has been told once the job that follows the log has run."""
    cloaked_enquiries_process()
    return list(Notification.objects.filter(recipient=user, kind="cloaked_enquiry"))


def test_it_tells_the_named_practitioner_when_someone_outside_looks(world, clinic, as_user):
    as_user(world.alice).get(_url(world.maya))
    assert len(_received(clinic.nina)) == 1
    assert _received(clinic.nico) == []


def test_it_says_who_looked_how_to_reach_them_when_and_why(world, clinic, as_user, clock):
    world.alice.phone, world.alice.job_title = "0113 496 0777", "Year 3 class teacher"
    world.alice.save()
    as_user(world.alice).get(_url(world.maya))
    [notification] = _received(clinic.nina)
    body = notification.body
    assert world.alice.get_full_name() in body
    assert "Year 3 class teacher" in body and "Hillside Primary School" in body
    assert "0113 496 0777" in body and world.alice.email in body
    assert "Safeguarding concern" in body
    assert f"on {clock:%-d %B %Y}" in body


def test_it_keeps_the_child_out_of_the_email_but_names_them_in_the_inbox(world, clinic, as_user):
    as_user(world.alice).get(_url(world.maya))
    [notification] = _received(clinic.nina)
    notification_email_deliver(notification_id=notification.pk)
    [email] = mail.outbox
    assert "Maya" not in email.body and world.maya.public_id not in email.body
    assert "shown only in your ContactPoint inbox" in email.body
    inbox = as_user(clinic.nina).get(f"/inbox/{notification.pk}/").content.decode()
    assert "Maya Thompson" in inbox


def test_it_tells_the_service_inbox_when_no_practitioner_is_named(world, clinic, as_user):
    clinic.involvement.practitioner = None
    clinic.involvement.save()
    as_user(world.alice).get(_url(world.maya))
    assert len(_received(clinic.nina)) == len(_received(clinic.nico)) == 1
    assert _received(clinic.rita) == []


def test_it_tells_the_service_inbox_when_the_named_practitioner_has_left(world, clinic, as_user):
    clinic.nina.is_active = False
    clinic.nina.save()
    as_user(world.alice).get(_url(world.maya))
    assert _received(clinic.nina) == []
    assert len(_received(clinic.nico)) == 1


def test_it_folds_repeated_views_in_the_window_into_one(world, clinic, as_user):
    client = as_user(world.alice)
    for _ in range(3):
        assert client.get(_url(world.maya)).status_code == 200
    assert len(_received(clinic.nina)) == 1


def test_it_tells_them_again_in_the_next_window(world, clinic, settings):
    settings.CLOAKED_ENQUIRY_WINDOW_HOURS = 24
    window_start = datetime.fromtimestamp(20_000 * 86_400, tz=UTC)
    notify = dict(
        child=world.maya, viewer=world.alice, purpose="referral", today=timezone.localdate()
    )
    assert cloaked_enquiry_notify(now=window_start + timedelta(hours=1), **notify) == 1
    assert cloaked_enquiry_notify(now=window_start + timedelta(hours=23), **notify) == 0
    assert cloaked_enquiry_notify(now=window_start + timedelta(hours=25), **notify) == 1


def test_it_tells_them_separately_about_each_enquirer(world, clinic, as_user):
    as_user(world.alice).get(_url(world.maya))
    as_user(world.bob).get(_url(world.maya))
    assert len(_received(clinic.nina)) == 2


def test_it_does_not_tell_the_service_about_its_own_views(world, clinic, as_user):
    assert b"Sexual Health Leeds" in as_user(clinic.nico).get(_url(world.maya)).content
    assert _received(clinic.nina) == []


def test_it_does_not_tell_a_service_whose_involvement_has_ended(world, clinic, as_user):
    clinic.involvement.ended_on = date(2024, 1, 1)
    clinic.involvement.started_on = date(2023, 1, 1)
    clinic.involvement.save()
    as_user(world.alice).get(_url(world.maya))
    assert _received(clinic.nina) == []


def test_it_tells_nobody_about_a_lookup_that_found_nothing(world, clinic, as_user):
    assert as_user(world.charlie).get(_url(world.maya)).status_code == 404
    assert not Notification.objects.exists()


def test_it_tells_every_cloaked_service_of_the_child(world, clinic, as_user):
    camhs = OrganisationFactory(local_authority=world.leeds, sensitive_service=True)
    therapist = UserFactory(organisation=camhs, job_title="Child psychotherapist")
    InvolvementFactory(child=world.maya, organisation=camhs, role="mental_health")
    as_user(world.alice).get(_url(world.maya))
    assert len(_received(clinic.nina)) == len(_received(therapist)) == 1


def test_it_writes_the_notification_after_the_view_event(world, clinic, as_user):
    as_user(world.alice).get(_url(world.maya))
    view = AccessEvent.objects.get(action="view")
    [notification] = _received(clinic.nina)
    assert view.occurred_at <= notification.created_at


def test_it_tells_them_after_the_view_not_during_it(world, clinic, as_user):
    as_user(world.alice).get(_url(world.maya))
    assert not Notification.objects.exists()
    assert len(_received(clinic.nina)) == 1


def test_it_tells_them_once_however_often_the_job_runs(world, clinic, as_user):
    as_user(world.alice).get(_url(world.maya))
    assert len(_received(clinic.nina)) == 1
    assert cloaked_enquiries_process() == 0
    assert len(_received(clinic.nina)) == 1


def test_it_keeps_the_views_to_tell_when_the_notification_store_fails(world, clinic, as_user):
    """A failure to write notifications does not touch the view (already shown and logged);
    the job's watermark stays put, so the next run tells the service."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION test_refuse_notification() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'notification storage unavailable'; END $$;
            CREATE TRIGGER test_refuse_notification BEFORE INSERT ON access_notification
            FOR EACH ROW EXECUTE FUNCTION test_refuse_notification();
            """
        )
    response = as_user(world.alice).get(_url(world.maya))
    assert response.status_code == 200
    with pytest.raises(InternalError), transaction.atomic():
        cloaked_enquiries_process()
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_refuse_notification ON access_notification")
    assert len(_received(clinic.nina)) == 1


def _statements(queries) -> list[str]:
    """Each statement's shape: its text up to WHERE, VALUES or SET, without the values, a
    prepared statement's EXECUTE without its values, and savepoints without their generated
    names. A PREPARE is left out: whether the session had already planned a statement
    (contactpoint/prepared_sql.py) reads and writes nothing and depends on earlier pages."""
    return [
        re.sub(
            r"^(EXECUTE \w+)\(.*\)$",
            r"\1",
            re.sub(r'"s\d+_x\d+"', "savepoint", re.split(r" (?:WHERE|VALUES|SET) ", q["sql"])[0]),
            flags=re.DOTALL,
        )
        for q in queries
        if not q["sql"].startswith("PREPARE ")
    ]


def test_it_gives_the_enquirer_the_same_response_with_or_without_the_service(world, as_user):
    """Byte for byte, status and headers; and the very same statements, reads and writes:
    the service is told afterwards, from the log, so its existence costs the view nothing."""
    client = as_user(world.alice)
    # The navigation's answers are kept in the session for a minute (access.navigation):
    # a first page fills them, so that both pages compared below read them the same way.
    # Likewise the purpose: a page that changes nothing in the session does not save it.
    client.get("/inbox/")
    session = client.session
    session["cp_purpose"] = "safeguarding_concern"
    session.save()
    with CaptureQueriesContext(connection) as without_service:
        before = client.get(_url(world.maya))
    service = OrganisationFactory(
        name="Sexual Health Leeds", local_authority=world.leeds, sensitive_service=True
    )
    nina = UserFactory(organisation=service)
    InvolvementFactory(
        child=world.maya,
        organisation=service,
        practitioner=PractitionerFactory(organisation=service, user=nina),
        role="sexual_health",
    )
    with CaptureQueriesContext(connection) as with_service:
        after = client.get(_url(world.maya))
    assert (after.status_code, after.content) == (before.status_code, before.content)
    assert _statements(with_service.captured_queries) == _statements(
        without_service.captured_queries
    )
    assert dict(after.headers) == dict(before.headers)
    assert sorted(after.cookies) == sorted(before.cookies)
    assert len(_received(nina)) == 1
