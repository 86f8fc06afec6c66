"""The unexplained-lookup aggregates (issue 21): per user, per child, per user and household;
and admin changes to reader accounts reviewed with what the account did next.
Each has a planted case and a near miss, on the same back-dated month and real pipeline as
test_misuse_detectors.py. The tiny test directory cannot make anything improbable by chance
alone, so the per-child and per-household cases loosen ``max_chance``; the tails themselves
are checked against known values."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.conf import settings as django_settings
from django.db import connection

from audit.models import ActivityDay, Alert
from audit.review.detectors.chance import binomial_at_least, poisson_at_least
from audit.writer import PastEvent
from tests.audit import test_misuse_detectors as base
from tests.audit.test_misuse_detectors import DAY, NOW, at, load, review, views
from tests.factories import ChildFactory, InvolvementFactory, UserFactory, actor_for

people = base.people  # the same personas and month as the other detectors
EARLIER = [date(2026, 10, d) for d in (26, 27, 28, 29, 30)]


def _review_settled() -> None:
    """Review once the month's last day has settled: these detectors judge a day only after
    its lookups were explained again with what followed them."""
    review(NOW + timedelta(days=django_settings.MISUSE_FOLLOW_UP_DAYS))


def _alerts(detector: str) -> list[str]:
    return sorted(a.subject.username for a in Alert.objects.filter(detector=detector))


def _loosen(settings, detector: str, max_chance: float) -> None:
    """This test's own copy of the thresholds (the settings fixture restores only what is
    assigned, never a nested dict changed in place)."""
    detectors = {name: dict(params) for name, params in settings.MISUSE_DETECTORS.items()}
    detectors[detector]["max_chance"] = max_chance
    settings.MISUSE_DETECTORS = detectors


def _analyse() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE directory_child")


def test_the_tails_match_their_closed_forms():
    assert poisson_at_least(1, 0.5) == pytest.approx(1 - math.exp(-0.5))
    assert poisson_at_least(0, 3.0) == 1.0
    assert poisson_at_least(30, 0.01) == pytest.approx(0.01**30 / math.factorial(30), rel=1e-3)
    assert binomial_at_least(3, 3, 0.5) == pytest.approx(0.125)
    assert binomial_at_least(2, 4, 0.5) == pytest.approx(11 / 16)
    assert binomial_at_least(40, 40, 0.1) == pytest.approx(1e-40, rel=1e-6)


@pytest.fixture
def council_cases(people):
    """Ten children dora's council works with: her explained, ordinary work."""
    cases = [ChildFactory(local_authority=people.leeds) for _ in range(10)]
    for child in cases:
        InvolvementFactory(child=child, organisation=people.council)
    return cases


def test_it_flags_a_user_whose_share_of_unexplained_lookups_jumps(people, council_cases):
    history = [views(people.dora, council_cases, start=at(d, 9), gap=300) for d in EARLIER]
    today = views(people.dora, council_cases + people.strangers[:10], start=at(DAY, 9), gap=300)
    load(*history, today)
    _review_settled()
    assert _alerts("unexplained_user") == ["dora"]
    alert = Alert.objects.get(detector="unexplained_user")
    assert "Opened 10 children today" in alert.summary
    assert alert.evidence_count == 10


def test_it_judges_a_day_only_once_the_follow_up_days_have_passed(people, council_cases):
    history = [views(people.dora, council_cases, start=at(d, 9), gap=300) for d in EARLIER]
    today = views(people.dora, council_cases + people.strangers[:10], start=at(DAY, 9), gap=300)
    load(*history, today)
    review()
    assert _alerts("unexplained_user") == []
    _review_settled()
    assert _alerts("unexplained_user") == ["dora"]


def test_it_accepts_referrals_whose_cases_open_in_the_days_after(people, council_cases):
    history = [views(people.dora, council_cases, start=at(d, 9), gap=300) for d in EARLIER]
    referred = people.strangers[:10]
    for child in referred:
        InvolvementFactory(child=child, organisation=people.council, started_on=DAY + timedelta(1))
    today = views(people.dora, council_cases + referred, start=at(DAY, 9), gap=300)
    load(*history, today)
    _review_settled()
    assert _alerts("unexplained_user") == []


def test_it_accepts_a_couple_of_unexplained_lookups_among_ordinary_work(people, council_cases):
    history = [views(people.dora, council_cases, start=at(d, 9), gap=300) for d in EARLIER]
    today = views(people.dora, council_cases + people.strangers[:2], start=at(DAY, 9), gap=300)
    load(*history, today)
    _review_settled()
    assert _alerts("unexplained_user") == []


def _found_and_opened(user, children, *, start) -> list:
    """Ordinary work: a search that finds each child, and the record opened a minute later."""
    events = []
    for n, child in enumerate(children):
        when = start + timedelta(minutes=5 * n)
        events.append(PastEvent(occurred_at=when, actor=actor_for(user), action="search",
                                outcome="shown", purpose="current_involvement",
                                criteria={"family_name": child.family_name},
                                result_ids=(child.public_id,)))  # fmt: skip
        events += views(user, [child], start=when + timedelta(minutes=1), gap=1)
    return events


def _searches_after_ordinary_work(people, council_cases, names: list[str]) -> None:
    """Dora's ordinary work every earlier day and today, then this afternoon a search for
    each of ``names`` (none of whom the directory holds)."""
    history = [_found_and_opened(people.dora, council_cases, start=at(d, 9)) for d in EARLIER]
    today = _found_and_opened(people.dora, council_cases, start=at(DAY, 9))
    load(*history, today, base.searches(people.dora, names, start=at(DAY, 14), gap=60))


def test_it_flags_a_user_whose_searches_lead_to_nothing_opened(people, council_cases):
    _searches_after_ordinary_work(people, council_cases, [f"Name{n:02d}" for n in range(20)])
    _review_settled()
    assert _alerts("unexplained_searches") == ["dora"]
    assert _alerts("unexplained_user") == []
    alert = Alert.objects.get(detector="unexplained_searches")
    assert "Ran 20 searches today after which they opened none" in alert.summary
    assert alert.evidence_count == 20
    assert ActivityDay.objects.get(actor_id=people.dora.pk, day=DAY).fruitless_searches == 20


def test_searches_are_judged_with_their_own_thresholds_not_the_childrens(
    people, council_cases, settings
):
    _loosen(settings, "unexplained_user", 1e-30)
    _searches_after_ordinary_work(people, council_cases, [f"Name{n:02d}" for n in range(20)])
    _review_settled()
    assert _alerts("unexplained_searches") == ["dora"]


def test_it_accepts_a_few_searches_that_found_nobody_among_ordinary_work(people, council_cases):
    _searches_after_ordinary_work(people, council_cases, ["Smyth", "Smithe"])
    _review_settled()
    assert _alerts("unexplained_searches") == []


def test_it_flags_each_user_of_a_crowd_around_one_child_nobody_is_connected_to(people, settings):
    _loosen(settings, "unexplained_child", 1e-3)
    crowd = [people.dora] + [UserFactory(organisation=people.council) for _ in range(3)]
    child = people.strangers[0]
    load(*(views(user, [child], start=at(DAY, 10 + n), gap=1) for n, user in enumerate(crowd)))
    _analyse()
    _review_settled()
    assert len(_alerts("unexplained_child")) == 4
    assert "dora" in _alerts("unexplained_child")


def test_it_accepts_a_crowd_around_a_child_the_council_works_with(people, settings):
    _loosen(settings, "unexplained_child", 1e-3)
    crowd = [people.dora] + [UserFactory(organisation=people.council) for _ in range(3)]
    child = people.strangers[0]
    InvolvementFactory(child=child, organisation=people.council)
    load(*(views(user, [child], start=at(DAY, 10 + n), gap=1) for n, user in enumerate(crowd)))
    _analyse()
    _review_settled()
    assert _alerts("unexplained_child") == []


def _household(people):
    return [
        ChildFactory(family_name="Vasquez", postcode="LS7 3QQ", local_authority=people.leeds)
        for _ in range(2)
    ]


def test_it_flags_coming_back_to_one_household_on_several_days(people, settings):
    _loosen(settings, "unexplained_household", 0.05)
    siblings = _household(people)
    days = [DAY - timedelta(days=d) for d in (0, 1, 6, 8)]
    load(*(views(people.dora, siblings[n % 2 :], start=at(d, 11), gap=60)
           for n, d in enumerate(days)))  # fmt: skip
    _analyse()
    _review_settled()
    assert _alerts("unexplained_household") == ["dora"]


def test_it_accepts_different_families_on_different_days(people, settings):
    _loosen(settings, "unexplained_household", 0.05)
    days = [DAY - timedelta(days=d) for d in (0, 1, 6, 8)]
    load(*(views(people.dora, [people.strangers[n]], start=at(d, 11), gap=60)
           for n, d in enumerate(days)))  # fmt: skip
    _analyse()
    _review_settled()
    assert _alerts("unexplained_household") == []


def _admin_change(people, account, changes: dict) -> list:
    """An administrator's change to ``account`` as the admin history writes it: the
    django-auditlog entry, and its sealing ``admin_change`` event (back-dated to DAY)."""
    entry = LogEntry.objects.log_create(
        account, action=LogEntry.Action.UPDATE, changes=changes, actor=people.ada, force_log=True
    )
    return [
        PastEvent(occurred_at=at(DAY, 9), actor=actor_for(people.ada), action="admin_change",
                  outcome="ok", criteria={"log_entry": entry.pk, "digest": "-"})
    ]  # fmt: skip


def test_it_flags_an_admin_whose_change_to_a_reader_is_followed_by_unexplained_lookups(people):
    change = _admin_change(people, people.dora, {"organisation": ["1", "2"]})
    load(change, views(people.dora, people.strangers[:2], start=at(DAY, 10), gap=60))
    review()
    alert = Alert.objects.get(detector="reader_account_change")
    assert alert.subject == people.ada
    assert "organisation" in alert.summary and alert.evidence_count == 3


def test_it_flags_an_admin_changing_their_own_role_at_once(people):
    load(_admin_change(people, people.ada, {"role": ["system_admin", "practitioner"]}))
    review()
    assert [(a.subject, a.severity) for a in Alert.objects.filter(
        detector="reader_account_change")] == [(people.ada, "high")]  # fmt: skip


def test_it_accepts_a_change_of_job_title_and_explained_work_after_a_move(people):
    InvolvementFactory(child=people.strangers[0], organisation=people.council)
    load(
        _admin_change(people, people.dora, {"job_title": ["a", "b"]}),
        _admin_change(people, people.dora, {"organisation": ["1", "2"]}),
        views(people.dora, people.strangers[:1], start=at(DAY, 10), gap=60),
    )
    review()
    assert _alerts("reader_account_change") == []
