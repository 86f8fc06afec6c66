"""Misuse review end to end: a back-dated history written with the synthetic-history loader,
the real pipeline (explain, roll-up, every detector) run over it, and the alerts it raises.

Each detector has a planted case that must raise exactly the alert expected — no other
detector may fire on it — and a near miss, the legitimate work that looks most like it, that
must raise nothing. Then the pipeline's own promises: idempotent windows, a keyset watermark
that explains each lookup once, assignment of alerts, and the scheduled task through a real
Celery worker.

The month is placed before a fixed ``NOW`` (Friday 13 November 2026, 03:00 in London), so the
day under review, ``DAY`` (Thursday 12 November), is a full working day whatever the date the
tests run on.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import IntegrityError, transaction

from access.models import AccessRequest, Notification, Role
from audit.alerts.services import alert_raise
from audit.models import AccessEvent, Alert, LookupExplanation, ReviewRun, ReviewWatermark
from audit.review.detectors import DETECTORS_BY_NAME, Finding
from audit.review.pipeline import _detector_step, _window_run, misuse_review_run
from audit.review.windows import DAY as DAY_WINDOW
from audit.review.windows import window_after, window_floor
from audit.tasks import misuse_review_task
from audit.writer import PastEvent, access_events_load_synthetic
from contactpoint.celery import app
from tests.factories import (
    ChildFactory,
    InvolvementFactory,
    OrganisationFactory,
    PractitionerFactory,
    UserFactory,
    actor_for,
    children_crowd,
)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 13, 3, 0, tzinfo=LONDON)
DAY = date(2026, 11, 12)
# The five working days before DAY: a baseline of the user's own.
HISTORY = [date(2026, 11, d) for d in (5, 6, 9, 10, 11)]

# Unusual names, so no persona shares a family name with a child by accident.
PERSONA_NAMES = {
    "alice": "Adebayo",
    "bob": "Kowalczyk",
    "charlie": "Lindqvist",
    "dora": "Marchetti",
    "sam": "Fairweather",
}
CHILD_NAMES = [
    "Abernethy", "Bellingham", "Castellano", "Drummond", "Eriksson", "Fitzgerald",
    "Galbraith", "Hargreaves", "Ingleby", "Jankowski", "Kettering", "Llewellyn",
    "Montgomery", "Nightingale", "Ostrowski", "Pemberton", "Quennell", "Rutherford",
    "Sandringham", "Trevelyan", "Underwood", "Villiers", "Whitcombe", "Yardley",
    "Zabriskie", "Ashdown", "Blakemore", "Cartwright", "Dunmore", "Ellsworth",
]  # fmt: skip
# The same names in no particular order: someone looking for children, not walking a list.
SHUFFLED = random.Random(5).sample(CHILD_NAMES, len(CHILD_NAMES))


@pytest.fixture
def people(world):
    """The shared personas with fixed family names, an auditor, and caseloads: twelve
    children at alice's school (school A) and thirty in Leeds that nobody here works with."""
    for username, last_name in PERSONA_NAMES.items():
        user = getattr(world, username)
        user.last_name = last_name
        user.save(update_fields=["last_name"])
    world.dora.supervisor = world.sam
    world.dora.save(update_fields=["supervisor"])
    auditor = UserFactory(username="aud", organisation=None, role=Role.AUDITOR, last_name="Quill")
    school = [
        ChildFactory(family_name=name, given_name="Kit", local_authority=world.leeds)
        for name in CHILD_NAMES[:12]
    ]
    for child in school:
        InvolvementFactory(child=child, organisation=world.school_a)
    strangers = [
        ChildFactory(family_name=name, given_name="Lee", local_authority=world.leeds)
        for name in CHILD_NAMES
    ]
    return SimpleNamespace(**vars(world), auditor=auditor, school=school, strangers=strangers)


# --- writing a history ----------------------------------------------------------------------


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=LONDON)


def views(user, children, *, start: datetime, gap: float, action: str = "view") -> list:
    """``user`` opens each of ``children`` in turn, ``gap`` seconds apart."""
    return [
        PastEvent(
            occurred_at=start + timedelta(seconds=gap * n),
            actor=actor_for(user),
            action=action,
            outcome="shown",
            purpose="current_involvement",
            child_public_id=child.public_id,
        )
        for n, child in enumerate(children)
    ]


def searches(user, family_names, *, start: datetime, gap: float) -> list:
    return [
        PastEvent(
            occurred_at=start + timedelta(seconds=gap * n),
            actor=actor_for(user),
            action="search",
            outcome="not_found",
            purpose="current_involvement",
            criteria={"family_name": name},
        )
        for n, name in enumerate(family_names)
    ]


def event(user, action: str, when: datetime, **fields) -> PastEvent:
    return PastEvent(occurred_at=when, actor=actor_for(user), action=action, outcome="ok", **fields)


def working_days(user, children, days, *, per_day: int) -> list:
    """An ordinary day's work: ``per_day`` records from the caseload, spread over the day."""
    chosen = [children[n % len(children)] for n in range(per_day)]
    return [e for day in days for e in views(user, chosen, start=at(day, 9, 5), gap=600)]


def load(*batches) -> None:
    access_events_load_synthetic(e for batch in batches for e in batch)


def review(now: datetime = NOW):
    return misuse_review_run(now=now)


def raised() -> list[tuple[str, str, str]]:
    return sorted(
        (a.detector, a.subject.username, a.severity)
        for a in Alert.objects.select_related("subject")
    )


# --- each detector: planted, and its near miss ----------------------------------------------


def test_it_flags_break_glass_far_above_role_peers(people):
    load(
        working_days(people.bob, people.school, [DAY], per_day=3),
        working_days(people.charlie, people.school, [DAY], per_day=3),
        [event(people.alice, "break_glass", at(DAY, 10 + n)) for n in range(5)],
    )
    review()
    assert raised() == [("break_glass_peers", "alice", "medium")]
    assert Alert.objects.get().assignee == people.sam


def test_it_accepts_break_glass_that_peers_in_the_same_role_also_use(people):
    load(
        [event(people.alice, "break_glass", at(DAY, 10 + n)) for n in range(5)],
        [event(people.bob, "break_glass", at(DAY, 10 + n, 30)) for n in range(4)],
        [event(people.charlie, "break_glass", at(DAY, 9 + n, 15)) for n in range(5)],
    )
    review()
    assert raised() == []


def _night_team(people, size: int) -> list:
    """An emergency duty team: colleagues in one organisation who break glass every night."""
    duty = OrganisationFactory(name="Emergency Duty Team", local_authority=people.leeds)
    return [UserFactory(organisation=duty, supervisor=people.sam) for _ in range(size)]


def test_it_measures_a_night_team_against_its_own_colleagues(people):
    team = _night_team(people, 6)
    load(
        working_days(people.bob, people.school, [DAY], per_day=3),
        *(
            [event(member, "break_glass", at(DAY - timedelta(days=d), 22)) for d in range(6)]
            for member in team
        ),
    )
    review()
    assert raised() == []


def test_it_still_flags_the_one_night_team_member_far_above_the_rest(people):
    team = _night_team(people, 6)
    load(
        *(
            [event(member, "break_glass", at(DAY - timedelta(days=d), 22)) for d in range(2)]
            for member in team[1:]
        ),
        [event(team[0], "break_glass", at(DAY - timedelta(days=d), 23)) for d in range(12)],
    )
    review()
    assert [(detector, username) for detector, username, _ in raised()] == [
        ("break_glass_peers", team[0].username)
    ]


def test_it_flags_a_sudden_volume_against_the_users_own_days(people):
    load(
        working_days(people.alice, people.school, HISTORY, per_day=5),
        views(people.alice, people.school + people.strangers, start=at(DAY, 9), gap=300),
    )
    review()
    assert raised() == [("volume_spike", "alice", "medium")]


def test_it_accepts_a_day_of_coming_back_to_the_same_children(people):
    """Sixty views of the twelve children the user always works with: volume in lookups,
    not in children reached."""
    load(
        working_days(people.alice, people.school, HISTORY, per_day=5),
        views(people.alice, people.school * 5, start=at(DAY, 9), gap=300),
    )
    review()
    assert raised() == []


def test_it_flags_three_days_running_well_above_the_users_usual(people):
    """Twelve children a day for three days against a usual three: no single day reaches the
    one-day test, the three together do."""
    usual = [date(2026, 11, d) for d in (2, 3, 4, 5, 6)]
    load(
        working_days(people.alice, people.school, usual, per_day=3),
        working_days(
            people.alice, people.school, [date(2026, 11, 10), date(2026, 11, 11)], per_day=12
        ),  # fmt: skip
        views(people.alice, people.school, start=at(DAY, 9), gap=600),
    )
    review()
    assert raised() == [("volume_spike", "alice", "medium")]


def test_it_accepts_a_busy_day_within_the_users_own_range(people):
    load(
        working_days(people.alice, people.school, HISTORY, per_day=20),
        views(people.alice, people.school * 4, start=at(DAY, 9), gap=300),
    )
    review()
    assert raised() == []


def test_it_flags_an_off_hours_burst_by_a_daytime_worker(people):
    load(
        working_days(people.alice, people.school, HISTORY, per_day=6),
        views(people.alice, people.school[:10], start=at(DAY, 22), gap=120),
    )
    review()
    assert raised() == [("off_hours", "alice", "medium")]


def _evening_worker_then_ten_at_night(people, *, per_evening: int) -> None:
    """Dora's working days, ``per_evening`` records every evening of the history, then ten
    records at night on DAY; reviewed. Her council works with those children (her evening
    work is her work: nothing but the hour is unusual about it)."""
    for child in people.school:
        InvolvementFactory(child=child, organisation=people.council)
    evenings = [
        e
        for day in HISTORY
        for e in views(people.dora, people.school[:per_evening], start=at(day, 21), gap=300)
    ]
    load(
        working_days(people.dora, people.school, HISTORY, per_day=6),
        evenings,
        views(people.dora, people.school[:10], start=at(DAY, 22), gap=120),
    )
    review()


def test_it_accepts_nights_from_someone_who_works_evenings(people):
    _evening_worker_then_ten_at_night(people, per_evening=4)
    assert raised() == []


def test_it_flags_a_late_burst_by_someone_who_does_some_evening_work(people):
    """Two records most evenings make evening work this user's habit; ten at night is five
    times the most they ever opened after hours."""
    _evening_worker_then_ten_at_night(people, per_evening=2)
    assert raised() == [("off_hours", "dora", "medium")]


def test_it_flags_a_day_through_the_users_own_schools_children(people):
    """Eighty pupils of the user's own school in one day, a few minutes apart, against a
    usual three: every lookup is explained by the school's involvement, none is a burst."""
    pupils = [ChildFactory(family_name="Pupil", local_authority=people.leeds) for _ in range(80)]
    for child in pupils:
        InvolvementFactory(child=child, organisation=people.school_a)
    load(
        working_days(people.alice, people.school, HISTORY, per_day=3),
        views(people.alice, pupils, start=at(DAY, 9), gap=200),
    )
    review()
    assert ("scraping", "alice", "high") in raised()


@pytest.mark.parametrize(
    "shape",
    ["burst", "alphabetical walk", "blind searching"],
)
def test_it_flags_scraping(people, shape):
    if shape == "burst":
        load(views(people.alice, people.strangers, start=at(DAY, 14), gap=8))
    elif shape == "alphabetical walk":
        load(searches(people.alice, sorted(CHILD_NAMES[:15]), start=at(DAY, 14), gap=40))
    else:
        load(searches(people.alice, SHUFFLED + SHUFFLED[:5], start=at(DAY, 10), gap=300))
    review()
    assert raised() == [("scraping", "alice", "high")]
    assert Alert.objects.get().for_auditors


def test_it_flags_blind_searching_spread_over_three_days(people):
    load(
        *(
            searches(people.alice, SHUFFLED[:12], start=at(DAY - timedelta(days=d), 10), gap=600)
            for d in range(3)
        )
    )
    review()
    assert ("scraping", "alice", "high") in raised()


def test_it_accepts_a_day_of_ordinary_searching_and_opening(people):
    load(
        searches(people.alice, SHUFFLED, start=at(DAY, 9), gap=600),
        views(people.alice, people.school, start=at(DAY, 9, 2), gap=1500),
    )
    review()
    assert raised() == []


def test_it_flags_an_attempt_on_a_shielded_childs_details(people):
    hidden = ChildFactory(family_name="Rowntree", shielded=True, local_authority=people.leeds)
    load([event(people.alice, "shield_denied", at(DAY, 11), child_public_id=hidden.public_id)])
    review()
    assert raised() == [("shielded", "alice", "high")]


def test_it_flags_a_shielded_record_opened_again_and_again(people):
    hidden = ChildFactory(family_name="Rowntree", shielded=True, local_authority=people.leeds)
    load(views(people.alice, [hidden] * 3, start=at(DAY, 11, 5), gap=200))
    review()
    assert raised() == [("shielded", "alice", "medium")]


def test_it_flags_a_shielded_record_opened_twice_an_hour_all_afternoon(people):
    """Never three times in one hour, but six times by four o'clock."""
    hidden = ChildFactory(family_name="Rowntree", shielded=True, local_authority=people.leeds)
    load(*(views(people.alice, [hidden] * 2, start=at(DAY, hour, 5), gap=1800)
           for hour in (13, 14, 15)))  # fmt: skip
    review()
    assert raised() == [("shielded", "alice", "medium")]


def test_it_accepts_a_shielded_child_reopened_by_their_own_named_practitioner(people):
    hidden = ChildFactory(family_name="Rowntree", shielded=True, local_authority=people.leeds)
    InvolvementFactory(
        child=hidden,
        organisation=people.school_a,
        practitioner=PractitionerFactory(organisation=people.school_a, user=people.alice),
    )
    load(views(people.alice, [hidden] * 5, start=at(DAY, 11, 5), gap=200))
    review()
    assert raised() == []


def test_it_accepts_a_shielded_record_seen_twice_and_a_data_managers_full_view(people):
    hidden = ChildFactory(family_name="Rowntree", shielded=True, local_authority=people.leeds)
    manager = UserFactory(organisation=people.council, role=Role.DATA_MANAGER, last_name="Ames")
    load(
        views(people.alice, [hidden] * 2, start=at(DAY, 11, 5), gap=200),
        views(manager, [hidden] * 4, start=at(DAY, 11, 10), gap=60, action="shield_full_view"),
    )
    review()
    assert raised() == []


def test_it_flags_a_lookup_of_a_child_with_the_users_family_name(people):
    relative = ChildFactory(family_name="Adebayo", local_authority=people.leeds)
    load(views(people.alice, [relative], start=at(DAY, 12), gap=1))
    review()
    assert raised() == [("own_family", "alice", "medium")]
    assert Alert.objects.get().assignee == people.sam


def test_it_flags_a_lookup_of_a_child_at_the_users_home_postcode(people):
    people.alice.home_postcode = "LS6 2AB"
    people.alice.save(update_fields=["home_postcode"])
    neighbour = ChildFactory(family_name="Pryce", postcode="LS6 2AB", local_authority=people.leeds)
    load(views(people.alice, [neighbour], start=at(DAY, 12), gap=1))
    review()
    assert raised() == [("own_family", "alice", "high")]
    assert Alert.objects.get().for_auditors


def test_it_accepts_a_common_family_name_and_a_namesake_on_the_users_own_caseload(people):
    people.alice.last_name = "Smith"
    people.alice.save(update_fields=["last_name"])
    smiths = [ChildFactory(family_name="Smith", local_authority=people.leeds) for _ in range(5)]
    pupil = ChildFactory(family_name="Smith", local_authority=people.leeds)
    InvolvementFactory(
        child=pupil,
        organisation=people.school_a,
        practitioner=PractitionerFactory(organisation=people.school_a, user=people.alice),
    )
    load(views(people.alice, [smiths[0], pupil], start=at(DAY, 12), gap=60))
    review()
    assert raised() == []


@pytest.mark.parametrize(("match", "severity"), [("family name", "medium"), ("postcode", "high")])
def test_it_flags_a_relative_in_the_users_own_scope_that_chance_does_not_explain(
    people, match, severity
):
    """The relative is a pupil at the user's school, so the lookup is explained by the
    school's involvement; nobody else searched for the name or met a neighbour today, and in
    an authority of some 3,000 children one match among two children opened is a coincidence
    about once in 1,500 such days (the directory's share, the day's being empty)."""
    children_crowd(people.leeds, 3000)
    people.alice.home_postcode = "LS6 2AB"
    people.alice.save(update_fields=["home_postcode"])
    relative = ChildFactory(
        family_name="Adebayo" if match == "family name" else "Pryce",
        postcode="LS6 2AB" if match == "postcode" else "LS1 1AA",
        local_authority=people.leeds,
    )
    InvolvementFactory(child=relative, organisation=people.school_a)
    load(
        searches(people.bob, CHILD_NAMES[:10], start=at(DAY, 9), gap=300),
        views(people.bob, people.school, start=at(DAY, 10), gap=60),
        views(people.alice, [relative, people.school[0]], start=at(DAY, 12), gap=60),
    )
    review()
    assert raised() == [("own_family", "alice", severity)]


@pytest.mark.parametrize(("match", "opened"), [("family name", 3), ("postcode", 12)])
def test_it_accepts_one_match_on_a_day_nobody_else_met_one(people, match, opened):
    """Issue 21, session 13: nobody else searched for the name or met a neighbour today, so
    the day's share is zero — and a zero share once made any match impossible by chance, so
    a user opening a dozen children of a small authority, one of them at their postcode, was
    raised at every setting. Smoothed toward the directory's share (one child in some fifty
    here), one match among ``opened`` children is what chance gives."""
    people.alice.home_postcode = "LS6 2AB"
    people.alice.save(update_fields=["home_postcode"])
    match_child = ChildFactory(
        family_name="Adebayo" if match == "family name" else "Pryce",
        postcode="LS6 2AB" if match == "postcode" else "LS1 1AA",
        local_authority=people.leeds,
    )
    InvolvementFactory(child=match_child, organisation=people.school_a)
    load(
        searches(people.bob, CHILD_NAMES[:10], start=at(DAY, 9), gap=300),
        views(people.bob, people.school, start=at(DAY, 10), gap=60),
        views(people.alice, [match_child, *people.school[: opened - 1]], start=at(DAY, 12), gap=60),
    )
    review()
    assert raised() == []


def test_it_accepts_a_namesake_when_others_search_for_the_name_often(people):
    """A colleague searches for Adebayo in one search of four: a user opening a handful of
    their school's children meets an Adebayo by chance, so one namesake is no evidence."""
    namesake = ChildFactory(family_name="Adebayo", local_authority=people.leeds)
    InvolvementFactory(child=namesake, organisation=people.school_a)
    others = ["Adebayo", "Abernethy", "Bellingham", "Castellano"] * 3
    load(
        searches(people.bob, others, start=at(DAY, 9), gap=300),
        views(people.alice, [namesake, *people.school[:4]], start=at(DAY, 12), gap=60),
    )
    review()
    assert raised() == []


def _emergency(requester, supervisor, child, *, granted: datetime, judged_after=0, judgement):
    """A granted break-glass request, judged ``judged_after`` seconds after access began."""
    pending = judgement == AccessRequest.Judgement.PENDING
    request = AccessRequest.objects.create(
        requester=requester,
        supervisor=supervisor,
        kind=AccessRequest.Kind.EMERGENCY,
        reason=AccessRequest.Reason.IMMEDIATE_RISK,
        justification="Child reported missing from school this morning.",
        child=child,
        status=AccessRequest.Status.GRANTED,
        granted_at=granted,
        expires_at=granted + timedelta(hours=4),
        judgement=judgement,
        judged_by=None if pending else supervisor,
        judged_at=None if pending else granted + timedelta(seconds=judged_after),
    )
    AccessRequest.objects.filter(pk=request.pk).update(created_at=granted - timedelta(minutes=2))
    return request


@pytest.mark.parametrize(("judged_after", "expected"), [(45, 1), (4 * 60, 1), (40 * 60, 0)])
def test_it_flags_a_supervisor_who_endorses_every_break_glass_within_minutes(
    people, judged_after, expected
):
    for n in range(8):
        _emergency(
            people.alice,
            people.sam,
            people.strangers[n],
            granted=at(DAY - timedelta(days=n % 3), 10 + n),
            judged_after=judged_after,
            judgement=AccessRequest.Judgement.ENDORSED,
        )
    load([event(people.sam, "supervision_view", at(DAY, 16))])
    review()
    assert raised() == [("rubber_stamp", "sam", "medium")] * expected
    assert all(alert.for_auditors for alert in Alert.objects.all())


def _household(user, *, family_name: str, postcode: str, leeds):
    user.home_postcode = postcode
    user.save(update_fields=["home_postcode"])
    return ChildFactory(family_name=family_name, postcode=postcode, local_authority=leeds)


def test_it_flags_two_colleagues_breaking_glass_for_each_others_households(people):
    bobs = _household(people.bob, family_name="Kowalczyk", postcode="LS7 3QQ", leeds=people.leeds)
    alices = _household(people.alice, family_name="Adebayo", postcode="LS8 1ZZ", leeds=people.leeds)
    for user, child, hour in ((people.alice, bobs, 10), (people.bob, alices, 14)):
        _emergency(
            user,
            people.sam,
            child,
            granted=at(DAY, hour),
            judgement=AccessRequest.Judgement.PENDING,
        )
        load(views(user, [child], start=at(DAY, hour, 5), gap=1))
    review()
    assert raised() == [("collusion", "alice", "high"), ("collusion", "bob", "high")]


def test_it_flags_both_colleagues_breaking_glass_for_households_of_other_surnames(people):
    """The favour returned six days later completes the pair: both are raised then."""
    bobs = _household(people.bob, family_name="Lindqvist", postcode="LS7 3QQ", leeds=people.leeds)
    alices = _household(people.alice, family_name="Moreau", postcode="LS8 1ZZ", leeds=people.leeds)
    for user, child, day in (
        (people.alice, bobs, DAY - timedelta(days=6)),
        (people.bob, alices, DAY),
    ):
        _emergency(
            user,
            people.sam,
            child,
            granted=at(day, 10),
            judgement=AccessRequest.Judgement.PENDING,
        )
        load(views(user, [child], start=at(day, 10, 5), gap=1))
    review()
    assert raised() == [("collusion", "alice", "high"), ("collusion", "bob", "high")]


def test_it_accepts_one_break_glass_on_a_child_of_another_surname_at_a_colleagues_postcode(
    people,
):
    neighbour = _household(
        people.bob, family_name="Lindqvist", postcode="LS7 3QQ", leeds=people.leeds
    )
    _emergency(
        people.alice,
        people.sam,
        neighbour,
        granted=at(DAY, 10),
        judgement=AccessRequest.Judgement.PENDING,
    )
    load(views(people.alice, [neighbour], start=at(DAY, 10, 5), gap=1))
    review()
    assert raised() == []


def test_it_accepts_break_glass_on_a_namesake_of_a_colleague_living_elsewhere(people):
    people.bob.home_postcode = "LS7 3QQ"
    people.bob.save(update_fields=["home_postcode"])
    namesake = ChildFactory(
        family_name="Kowalczyk", postcode="BD1 1AA", local_authority=people.leeds
    )
    _emergency(
        people.alice,
        people.sam,
        namesake,
        granted=at(DAY, 10),
        judgement=AccessRequest.Judgement.PENDING,
    )
    load(views(people.alice, [namesake], start=at(DAY, 10, 5), gap=1))
    review()
    assert raised() == []


@pytest.mark.parametrize(
    ("judgement", "action", "expected"),
    [
        (AccessRequest.Judgement.REJECTED, "bg_rejected", [("judgements", "alice", "high")]),
        (AccessRequest.Judgement.ENDORSED, "bg_endorsed", []),
    ],
)
def test_it_flags_break_glass_its_supervisor_rejected(people, judgement, action, expected):
    request = _emergency(
        people.alice,
        people.sam,
        people.strangers[0],
        granted=at(DAY, 10),
        judged_after=3600,
        judgement=judgement,
    )
    load([event(people.sam, action, at(DAY, 11), reason=f"request {request.pk}: not urgent")])
    review()
    assert raised() == expected


# --- the pipeline's promises ----------------------------------------------------------------


def _planted_mix(people):
    hidden = ChildFactory(family_name="Rowntree", shielded=True, local_authority=people.leeds)
    relative = ChildFactory(family_name="Adebayo", local_authority=people.leeds)
    return [
        *working_days(people.bob, people.school, HISTORY + [DAY], per_day=6),
        *views(people.alice, [relative], start=at(DAY, 12), gap=1),
        event(people.charlie, "shield_denied", at(DAY, 11), child_public_id=hidden.public_id),
    ]


def test_it_raises_nothing_new_when_run_again(people):
    load(_planted_mix(people))
    first = review()
    runs = ReviewRun.objects.count()
    second = review()
    assert sum(first.alerts.values()) == 2
    assert sum(second.alerts.values()) == 0
    assert ReviewRun.objects.count() == runs
    assert raised() == [("own_family", "alice", "medium"), ("shielded", "charlie", "high")]


def test_it_raises_nothing_new_when_a_window_is_reviewed_again(people):
    load(_planted_mix(people))
    review()
    detector = DETECTORS_BY_NAME["own_family"]
    window = window_after(window_floor(at(DAY, 12), DAY_WINDOW), DAY_WINDOW)
    step = _detector_step(detector, NOW)
    assert _window_run(detector.name, window, step) == 0
    ReviewRun.objects.filter(detector=detector.name).delete()
    assert _window_run(detector.name, window, step) == 0
    assert Alert.objects.filter(detector="own_family").count() == 1


def test_it_allows_one_review_run_per_detector_and_window(people):
    load(_planted_mix(people))
    review()
    done = ReviewRun.objects.filter(detector="own_family").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewRun.objects.create(
            detector=done.detector,
            window_start=done.window_start,
            window_end=done.window_end,
            finished_at=NOW,
        )


def test_it_explains_each_lookup_once_in_keyset_chunks(people, settings):
    settings.MISUSE_REVIEW_CHUNK_EVENTS = 7
    load(working_days(people.alice, people.school, HISTORY, per_day=6))
    first = review()
    load(working_days(people.bob, people.school, [DAY], per_day=9))
    second = review(NOW + timedelta(minutes=10))
    lookups = AccessEvent.objects.filter(action="view")
    assert (first.explained, second.explained) == (30, 9)
    assert sorted(LookupExplanation.objects.values_list("event_id", flat=True)) == sorted(
        lookups.values_list("id", flat=True)
    )
    watermark = ReviewWatermark.objects.get(stage="explain").last_event_id
    assert watermark == lookups.order_by("-id").first().pk
    assert set(LookupExplanation.objects.values_list("basis", flat=True)) == {"involvement"}


def test_it_assigns_alerts_to_the_supervisor_or_the_auditors(people):
    window = window_after(window_floor(at(DAY, 12), DAY_WINDOW), DAY_WINDOW)

    def alert(subject, severity):
        finding = Finding(
            subject_id=subject.pk, severity=severity, summary="s", evidence_ids=[1], key=severity
        )
        return alert_raise(detector="own_family", finding=finding, window=window, now=NOW)

    medium = alert(people.alice, "medium")
    high = alert(people.bob, "high")
    about_supervisor = alert(people.sam, "medium")
    unsupervised = alert(people.charlie, "medium")
    assert (medium.assignee, medium.for_auditors) == (people.sam, False)
    for sent_up in (high, about_supervisor, unsupervised):
        assert (sent_up.assignee, sent_up.for_auditors) == (None, True)
    told = Notification.objects.filter(kind=Notification.Kind.MISUSE_ALERT)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["aud", "sam"]


def test_it_tells_each_reviewer_once_a_day_however_many_alerts(people):
    window = window_after(window_floor(at(DAY, 12), DAY_WINDOW), DAY_WINDOW)
    for n, subject in enumerate([people.alice, people.bob, people.dora]):
        finding = Finding(
            subject_id=subject.pk, severity="high", summary="s", evidence_ids=[n], key=str(n)
        )
        alert_raise(detector="own_family", finding=finding, window=window, now=NOW)
    assert Alert.objects.count() == 3
    told = Notification.objects.filter(kind=Notification.Kind.MISUSE_ALERT)
    assert list(told.values_list("recipient__username", "link")) == [("aud", "/audit/alerts/")]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_it_reviews_the_log_through_a_real_worker(people, clock):
    two_days_ago = clock.date() - timedelta(days=2)
    relative = ChildFactory(family_name="Adebayo", local_authority=people.leeds)
    load(views(people.alice, [relative], start=at(two_days_ago, 12), gap=1))
    assert app.connection_for_write().transport.driver_type == "redis"
    with start_worker(app, perform_ping_check=False, shutdown_timeout=10):
        result = misuse_review_task.delay().get(timeout=60)
    assert result["status"] == "done"
    assert result["alerts"]["own_family"] == 1
    assert raised() == [("own_family", "alice", "medium")]
