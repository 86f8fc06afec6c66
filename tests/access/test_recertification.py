"""Quarterly recertification (issue 14): a supervisor answers, every London calendar quarter,
whether each member of their team still needs ContactPoint, with what each did lately beside
their name; withdrawal disables the account; overdue answers are chased.

Personas from ``world``: sam supervises alice and bob; charlie (school B) and dora (council)
are in nobody's team here — the ones sam must not see. olive is school A's organisation admin.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import Notification, Recertification, User, UserSession
from access.recertification.services import (
    RecertificationRefused,
    quarter_after,
    quarter_before,
    quarter_start,
    recertification_decide,
    recertification_queue,
    recertifications_overdue_chase,
)
from access.services import session_store_class
from access.tasks import recertifications_overdue_chase_task
from audit.alerts.services import alert_raise
from audit.models import AccessEvent
from audit.review.detectors.base import Finding
from audit.review.windows import DAY as DAY_WINDOW
from audit.review.windows import window_after, window_floor
from audit.writer import PastEvent, access_events_load_synthetic
from tests.factories import UserFactory, actor_for

QUEUE = reverse("recertification:queue")
LONDON = ZoneInfo("Europe/London")
Decision = Recertification.Decision
SEARCH = {"family_name": "Thompson", "purpose": "referral"}


def _confirm(member: User) -> str:
    return reverse("recertification:confirm", args=[member.pk])


def _withdraw(member: User) -> str:
    return reverse("recertification:withdraw", args=[member.pk])


def _answer(supervisor, member, decision=Decision.CONFIRMED, note="", today=None):
    return recertification_decide(
        supervisor=supervisor,
        member_id=member.pk,
        decision=decision,
        note=note,
        actor=actor_for(supervisor),
        today=today,
    )


def _joined_long_ago(*users):
    User.objects.filter(pk__in=[u.pk for u in users]).update(
        date_joined=timezone.now() - timedelta(days=400)
    )


# --- Quarters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "start"),
    [
        (date(2027, 1, 1), date(2027, 1, 1)),
        (date(2027, 3, 31), date(2027, 1, 1)),
        (date(2027, 4, 1), date(2027, 4, 1)),
        (date(2027, 12, 31), date(2027, 10, 1)),
    ],
)
def test_it_knows_the_calendar_quarter_of_a_day(day, start):
    assert quarter_start(day) == start


def test_it_steps_quarters_across_the_year_end():
    assert quarter_after(date(2027, 10, 1)) == date(2028, 1, 1)
    assert quarter_before(date(2027, 1, 1)) == date(2026, 10, 1)


# --- The queue --------------------------------------------------------------------------------


def test_it_shows_a_supervisor_only_their_own_team(world, as_user):
    body = as_user(world.sam).get(QUEUE).content.decode()
    assert world.alice.get_full_name() in body
    assert world.bob.get_full_name() in body
    assert world.charlie.get_full_name() not in body
    assert world.dora.get_full_name() not in body


def test_it_links_the_queue_from_a_supervisors_navigation_only(world, as_user):
    assert QUEUE in as_user(world.sam).get("/inbox/").content.decode()
    assert QUEUE not in as_user(world.alice).get("/inbox/").content.decode()


def test_it_shows_someone_with_no_team_nobody(world, as_user):
    response = as_user(world.alice).get(QUEUE)
    assert response.status_code == 200
    assert "Nobody in ContactPoint has you as their supervisor" in response.content.decode()
    assert world.bob.get_full_name() not in response.content.decode()


def test_it_shows_the_lookups_beside_each_name(world, as_user):
    alice = as_user(world.alice)
    alice.get("/search/", SEARCH)
    alice.get("/search/", SEARCH)
    alice.get(f"/children/{world.maya.public_id}/", {"purpose": "referral"})
    queue = recertification_queue(supervisor=world.sam)
    row = next(row for row in queue.due if row.member == world.alice)
    assert (row.summary.searches, row.summary.record_views) == (2, 1)
    assert row.summary.last_lookup is not None
    body = as_user(world.sam).get(QUEUE).content.decode()
    assert "2 searches, 1 record opened" in body
    assert "Thompson" not in body


@pytest.mark.calendar
def test_it_counts_only_the_last_ninety_days(world, clock):
    long_ago = clock - timedelta(days=91)
    lately = clock - timedelta(days=3)
    access_events_load_synthetic(
        PastEvent(occurred_at=when, actor=actor_for(world.alice), action=action, outcome="ok")
        for when, action in [(long_ago, "search"), (lately, "search"), (lately, "break_glass")]
    )
    queue = recertification_queue(supervisor=world.sam, today=clock.date())
    row = next(row for row in queue.due if row.member == world.alice)
    assert (row.summary.searches, row.summary.break_glass) == (1, 1)


def test_it_shows_open_alerts_beside_the_name(world, as_user):
    now = timezone.now()
    alert_raise(
        detector="own_family",
        finding=Finding(
            subject_id=world.bob.pk, severity="medium", summary="s", evidence_ids=[1], key="k"
        ),
        window=window_after(window_floor(now - timedelta(days=2), DAY_WINDOW), DAY_WINDOW),
        now=now,
    )
    body = as_user(world.sam).get(QUEUE).content.decode()
    assert "1 open alert" in body


def test_it_does_not_hint_at_an_alert_kept_with_the_auditors(world, as_user):
    now = timezone.now()
    alert_raise(
        detector="own_family",
        finding=Finding(
            subject_id=world.bob.pk, severity="high", summary="s", evidence_ids=[1], key="k"
        ),
        window=window_after(window_floor(now - timedelta(days=2), DAY_WINDOW), DAY_WINDOW),
        now=now,
    )
    body = as_user(world.sam).get(QUEUE).content.decode()
    assert "open alert" not in body


def test_it_moves_a_confirmed_member_out_of_the_due_list(world, as_user):
    client = as_user(world.sam)
    response = client.post(_confirm(world.alice))
    assert response.status_code == 302
    queue = recertification_queue(supervisor=world.sam)
    assert [row.member for row in queue.due] == [world.bob]
    assert [(row.member, row.answer.decision) for row in queue.done] == [
        (world.alice, Decision.CONFIRMED)
    ]
    assert "Still needs access" in client.get(QUEUE).content.decode()


def test_it_audits_each_answer(world, as_user):
    as_user(world.sam).post(_confirm(world.alice))
    event = AccessEvent.objects.get(action=AccessEvent.Action.RECERTIFIED)
    assert event.actor_id == world.sam.pk
    assert event.criteria["member"] == world.alice.pk
    assert event.criteria["decision"] == "confirmed"


def test_it_answers_the_shared_404_for_someone_outside_the_team(world, as_user):
    """The one who must not: sam cannot recertify, or withdraw, charlie of school B."""
    client = as_user(world.sam)
    assert client.post(_confirm(world.charlie)).status_code == 404
    assert client.get(_withdraw(world.charlie)).status_code == 404
    assert client.post(_withdraw(world.charlie), {"note": "not mine"}).status_code == 404
    assert not Recertification.objects.exists()
    world.charlie.refresh_from_db()
    assert world.charlie.is_active


def test_it_lets_nobody_but_the_supervisor_answer(world, as_user):
    assert as_user(world.bob).post(_confirm(world.alice)).status_code == 404
    assert not Recertification.objects.exists()


def test_it_takes_one_answer_per_member_per_quarter(world):
    _answer(world.sam, world.alice)
    with pytest.raises(RecertificationRefused):
        _answer(world.sam, world.alice)
    assert Recertification.objects.count() == 1


@pytest.mark.calendar
def test_it_asks_again_in_the_next_quarter(world, clock):
    _answer(world.sam, world.alice, today=clock.date())
    next_quarter = quarter_after(quarter_start(clock.date()))
    queue = recertification_queue(supervisor=world.sam, today=next_quarter)
    assert world.alice in [row.member for row in queue.due]


# --- Withdrawal -------------------------------------------------------------------------------


def test_it_disables_the_account_of_a_withdrawn_member_and_ends_their_sessions(world, as_user):
    store = session_store_class()()
    store.create()
    UserSession.objects.create(user=world.alice, session_key=store.session_key)
    response = as_user(world.sam).post(_withdraw(world.alice), {"note": "Left the school"})
    assert response.status_code == 302
    world.alice.refresh_from_db()
    assert not world.alice.is_active
    assert not session_store_class()().exists(store.session_key)
    event = AccessEvent.objects.get(action=AccessEvent.Action.ACCESS_WITHDRAWN)
    assert event.reason == "Left the school"


def test_it_tells_the_org_admin_and_the_member_of_a_withdrawal(world, olive, as_user):
    as_user(world.sam).post(_withdraw(world.alice), {"note": "Left the school"})
    told = Notification.objects.filter(kind=Notification.Kind.ACCOUNT_DISABLED)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["alice", "olive"]
    assert "Left the school" in told.get(recipient=olive).body


def test_it_asks_why_before_withdrawing(world, as_user):
    response = as_user(world.sam).post(_withdraw(world.alice), {"note": "  "})
    assert response.status_code == 400
    assert "Say why their access should be withdrawn" in response.content.decode()
    world.alice.refresh_from_db()
    assert world.alice.is_active


def test_it_lists_a_withdrawn_member_as_answered(world):
    _answer(world.sam, world.alice, Decision.WITHDRAWN, note="Moved to another school")
    queue = recertification_queue(supervisor=world.sam)
    assert [row.member for row in queue.due] == [world.bob]
    assert [row.answer.decision for row in queue.done] == [Decision.WITHDRAWN]


# --- Overdue ----------------------------------------------------------------------------------


def _grace_over(clock, settings) -> date:
    """The first day overdue answers for the quarter before ``clock``'s are chased."""
    return quarter_start(clock.date()) + timedelta(days=settings.RECERTIFICATION_GRACE_DAYS)


@pytest.mark.calendar
def test_it_chases_the_supervisor_and_org_admin_after_the_grace_days(world, olive, clock, settings):
    _joined_long_ago(world.alice, world.bob)
    previous = quarter_before(quarter_start(clock.date()))
    _answer(world.sam, world.bob, today=previous)
    created = recertifications_overdue_chase(today=_grace_over(clock, settings))
    assert created == 2
    to_sam = Notification.objects.get(recipient=world.sam, kind=Notification.Kind.RECERTIFICATION)
    to_olive = Notification.objects.get(recipient=olive, kind=Notification.Kind.RECERTIFICATION)
    assert world.alice.get_full_name() in to_sam.body
    assert world.bob.get_full_name() not in to_sam.body
    assert to_sam.link == QUEUE
    assert world.alice.get_full_name() in to_olive.body


@pytest.mark.calendar
def test_it_chases_nobody_within_the_grace_days(world, olive, clock, settings):
    _joined_long_ago(world.alice, world.bob)
    day_before = _grace_over(clock, settings) - timedelta(days=1)
    assert recertifications_overdue_chase(today=day_before) == 0


@pytest.mark.calendar
def test_it_chases_once_a_week_however_often_it_runs(world, olive, clock, settings):
    _joined_long_ago(world.alice, world.bob)
    first = _grace_over(clock, settings)
    monday = first + timedelta(days=7 - first.weekday())
    assert recertifications_overdue_chase(today=first) == 2
    assert recertifications_overdue_chase(today=first) == 0
    assert recertifications_overdue_chase(today=monday) == 2


@pytest.mark.calendar
def test_it_stops_chasing_once_answered_this_quarter(world, olive, clock, settings):
    _joined_long_ago(world.alice, world.bob)
    today = _grace_over(clock, settings)
    for member in (world.alice, world.bob):
        _answer(world.sam, member, today=today)
    assert recertifications_overdue_chase(today=today) == 0


@pytest.mark.calendar
def test_it_does_not_chase_for_someone_who_joined_this_quarter(world, clock, settings):
    today = _grace_over(clock, settings)
    User.objects.filter(pk__in=[world.alice.pk, world.bob.pk]).update(
        date_joined=datetime.combine(quarter_start(today), datetime.min.time(), tzinfo=LONDON)
    )
    assert recertifications_overdue_chase(today=today) == 0


@pytest.mark.calendar
def test_it_marks_overdue_members_first_in_the_queue(world, as_user, clock, settings):
    _joined_long_ago(world.alice, world.bob)
    previous = quarter_before(quarter_start(clock.date()))
    _answer(world.sam, world.alice, today=previous)
    queue = recertification_queue(supervisor=world.sam, today=_grace_over(clock, settings))
    assert [(row.member, row.overdue) for row in queue.due] == [
        (world.bob, True),
        (world.alice, False),
    ]


@pytest.mark.calendar
def test_it_never_disables_anyone_for_being_overdue(world, clock, settings):
    _joined_long_ago(world.alice, world.bob)
    recertifications_overdue_chase_task.apply()
    recertifications_overdue_chase(today=_grace_over(clock, settings))
    assert User.objects.filter(pk__in=[world.alice.pk, world.bob.pk], is_active=True).count() == 2


def test_it_leaves_a_new_team_member_unflagged(world):
    UserFactory(username="newbie", organisation=world.school_a, supervisor=world.sam)
    queue = recertification_queue(supervisor=world.sam)
    assert not any(row.overdue for row in queue.due)
