"""The supervisor's side: told at once, judges with a note, never their own request; requests
left unjudged escalate to an auditor."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.gateway.supervision import break_glass_escalate_overdue, working_days_after
from access.models import AccessRequest, Notification, Role
from audit.models import AccessEvent
from audit.writer import Actor, PastEvent, access_events_load_synthetic
from tests.factories import GrantFactory, UserFactory

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def granted(world):
    """Alice broke glass for the Kent child an hour ago."""
    now = timezone.now()
    return GrantFactory(
        requester=world.alice,
        supervisor=world.sam,
        child=world.kent_child,
        granted_at=now - timedelta(hours=1),
        expires_at=now,
    )


def test_it_lists_the_teams_break_glass_with_name_and_age_only(world, as_user, granted):
    page = as_user(world.sam).get("/supervision/").content.decode()
    assert "Oliver Thompson" in page and "Alice" not in page or "alice" in page.lower()
    detail = as_user(world.sam).get(f"/supervision/{granted.pk}/").content.decode()
    assert "Oliver Thompson, aged" in detail
    assert "ME14 1XX" not in detail and "Maidstone" not in detail


def test_it_hides_the_queue_item_from_anyone_else(world, as_user, granted):
    assert as_user(world.bob).get(f"/supervision/{granted.pk}/").status_code == 404
    assert b"Oliver" not in as_user(world.bob).get("/supervision/").content


def test_it_records_an_endorsement(world, as_user, granted):
    response = as_user(world.sam).post(
        f"/supervision/{granted.pk}/", {"decision": "endorse", "note": "Right call."}
    )
    assert response.status_code == 302
    granted.refresh_from_db()
    assert (granted.judgement, granted.judged_by) == ("endorsed", world.sam)
    assert AccessEvent.objects.filter(action="bg_endorsed", actor_id=world.sam.pk).exists()


def test_it_needs_a_note_to_reject(world, as_user, granted):
    response = as_user(world.sam).post(f"/supervision/{granted.pk}/", {"decision": "reject"})
    assert response.status_code == 400
    granted.refresh_from_db()
    assert granted.judgement == "pending"


def test_it_tells_the_auditors_of_a_rejection(world, as_user, granted):
    auditor = UserFactory(username="audrey", organisation=world.council, role=Role.AUDITOR)
    as_user(world.sam).post(
        f"/supervision/{granted.pk}/", {"decision": "reject", "note": "No emergency here."}
    )
    assert Notification.objects.filter(recipient=auditor, kind="escalation").exists()
    assert b"Oliver Thompson" in as_user(auditor).get("/supervision/escalations/").content


def test_the_escalations_page_is_the_shared_404_for_every_role_but_auditors(
    world, as_user, granted
):
    """The rule for a page a role may not use (``contactpoint.errors.NotForRole``): the same
    404 as an address that does not exist, not an empty page."""
    granted.judgement = "escalated"
    granted.save(update_fields=["judgement"])
    client = as_user(world.sam)
    page = client.get("/supervision/escalations/")
    missing = client.get("/no-such-page/")
    assert page.status_code == 404
    assert page.content == missing.content


def test_it_never_lets_a_user_judge_their_own_request(world, as_user):
    request = AccessRequest.objects.create(
        requester=world.sam,
        supervisor=world.sam,
        kind="emergency",
        reason="other",
        justification="x" * 50,
        status="invoked",
        judgement="pending",
    )
    response = as_user(world.sam).post(
        f"/supervision/{request.pk}/", {"decision": "endorse", "note": ""}
    )
    assert response.status_code == 404
    request.refresh_from_db()
    assert request.judgement == "pending"


def test_it_refuses_a_judge_whose_own_supervisor_made_the_request(world, as_user):
    boss = UserFactory(username="boss", role=Role.SUPERVISING_PRACTITIONER, supervisor=None)
    deputy = UserFactory(username="deputy", role=Role.SUPERVISING_PRACTITIONER, supervisor=boss)
    boss.supervisor = deputy
    boss.save()
    request = AccessRequest.objects.create(
        requester=boss,
        supervisor=deputy,
        kind="emergency",
        reason="other",
        justification="x" * 50,
        status="invoked",
        judgement="pending",
    )
    response = as_user(deputy).post(
        f"/supervision/{request.pk}/", {"decision": "endorse", "note": "ok"}
    )
    assert b"someone who supervises you" in response.content
    request.refresh_from_db()
    assert request.judgement == "pending"


def _deadline(made: datetime) -> datetime:
    """The same London time of day on the second working day (Monday to Friday) after the
    London day the request was made: the rule, worked out apart from the code."""
    local = made.astimezone(LONDON)
    day, remaining = local.date(), 2
    while remaining:
        day += timedelta(days=1)
        if day.weekday() < 5:
            remaining -= 1
    return datetime.combine(day, local.time(), tzinfo=LONDON)


@pytest.mark.calendar
def test_it_escalates_once_two_working_days_have_passed(world, granted, time_machine):
    time_machine.move_to(_deadline(granted.created_at) + timedelta(minutes=1))
    assert break_glass_escalate_overdue() == 1
    granted.refresh_from_db()
    assert granted.judgement == "escalated"
    assert AccessEvent.objects.filter(action="bg_escalated").exists()


@pytest.mark.calendar
def test_it_escalates_once(world, granted, time_machine):
    time_machine.move_to(_deadline(granted.created_at) + timedelta(days=3))
    break_glass_escalate_overdue()
    assert break_glass_escalate_overdue() == 0


@pytest.mark.calendar
def test_it_waits_until_two_working_days_have_passed(world, granted, time_machine):
    time_machine.move_to(_deadline(granted.created_at) - timedelta(minutes=1))
    assert break_glass_escalate_overdue() == 0


def test_it_counts_working_days_over_a_weekend():
    friday = timezone.datetime(2026, 11, 27, 15, 0, tzinfo=timezone.get_current_timezone())
    assert working_days_after(friday, 2).weekday() == 1  # Tuesday


@pytest.mark.parametrize(
    ("made", "deadline"),
    [
        # 00:30 on a summer Saturday is Friday 23:30 in UTC; it is still a Saturday.
        (datetime(2027, 6, 5, 0, 30, tzinfo=LONDON), datetime(2027, 6, 8, 0, 30, tzinfo=LONDON)),
        # Over the clocks going forward and back: the same time of day, not 48 hours.
        (datetime(2027, 3, 26, 10, tzinfo=LONDON), datetime(2027, 3, 30, 10, tzinfo=LONDON)),
        (datetime(2027, 10, 29, 10, tzinfo=LONDON), datetime(2027, 11, 2, 10, tzinfo=LONDON)),
    ],
)
def test_it_counts_working_days_in_london_time(made, deadline):
    from_the_database = made.astimezone(UTC)
    assert working_days_after(from_the_database, 2) == deadline == _deadline(made)


def test_it_holds_a_planned_request_until_the_supervisor_approves(world, as_user):
    client = as_user(world.alice)
    client.post("/request-access/", {"reason": "new_involvement", "justification": "y" * 50})
    request = AccessRequest.objects.get()
    assert request.status == "awaiting_approval"
    response = client.get(
        f"/break-glass/{request.pk}/search/",
        {"family_name": "Thompson", "date_of_birth": "2015-03-27"},
    )
    assert b"Oliver" not in response.content
    assert Notification.objects.filter(recipient=world.sam, kind="access_request").exists()
    as_user(world.sam).post(f"/supervision/{request.pk}/", {"decision": "approve", "note": ""})
    response = client.get(
        f"/break-glass/{request.pk}/search/",
        {"family_name": "Thompson", "date_of_birth": "2015-03-27"},
    )
    assert b"Oliver Thompson" in response.content


def test_it_records_each_expired_grant_once(world, granted):
    from access.gateway.break_glass import grants_expired_record

    assert grants_expired_record() == 1
    assert grants_expired_record() == 0
    event = AccessEvent.objects.get(action="grant_expired")
    assert (event.actor_id, event.child_public_id) == (world.alice.pk, world.kent_child.public_id)


def test_it_lapses_a_request_whose_child_was_never_chosen(world):
    from access.gateway.break_glass import requests_unchosen_lapse

    request = AccessRequest.objects.create(
        requester=world.alice,
        supervisor=world.sam,
        kind="emergency",
        reason="other",
        justification="x" * 50,
        status="invoked",
        judgement="pending",
    )
    AccessRequest.objects.filter(pk=request.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    assert requests_unchosen_lapse() == 1
    request.refresh_from_db()
    assert request.status == "lapsed"


@pytest.mark.calendar
def test_it_runs_the_scheduled_review_as_a_task(world, granted, time_machine):
    from access.tasks import break_glass_escalate_overdue as task

    time_machine.move_to(_deadline(granted.created_at) + timedelta(hours=1))
    assert task.apply().get() == 1


def _view_during(request, *, minutes_in: int) -> None:
    access_events_load_synthetic(
        [
            PastEvent(
                occurred_at=request.granted_at + timedelta(minutes=minutes_in),
                actor=Actor(
                    user_id=request.requester_id,
                    username=request.requester.username,
                    role=request.requester.role,
                    organisation_id=request.requester.organisation_id,
                    ip_address=None,
                    user_agent="test",
                ),
                action="view",
                outcome="shown",
                child_public_id=request.child.public_id,
            )
        ]
    )


def test_it_reads_what_was_viewed_during_every_grant_in_one_query(
    world, as_user, granted, django_assert_max_num_queries
):
    _view_during(granted, minutes_in=5)
    client = as_user(world.sam)
    client.get("/supervision/")
    with CaptureQueriesContext(connection) as one_request:
        page = client.get("/supervision/").content.decode()
    for minutes in (10, 20):
        later = AccessRequest.objects.get(pk=granted.pk)
        later.pk = None
        later.save()
        _view_during(later, minutes_in=minutes)
    with django_assert_max_num_queries(len(one_request.captured_queries)):
        longer = client.get("/supervision/").content.decode()
    assert longer.count("Oliver Thompson") == 3 * page.count("Oliver Thompson")
    detail = client.get(f"/supervision/{granted.pk}/").content.decode()
    assert detail.count("Record view") == 3  # all three fall within this grant too
