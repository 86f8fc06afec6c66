"""The late settle (issue 21, session 13): a lookup that nothing but residence explains once
the follow-up days (``MISUSE_FOLLOW_UP_DAYS``) have passed is judged once more, after
``MISUSE_LATE_FOLLOW_UP_DAYS``, by a case opened with the child alone — an assessment that
took longer than the settle's days to become a case. The detectors do not wait for it; the
explanation reviewers read on an alert's evidence does."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from access.models import Role
from audit.alerts.selectors import alert_detail
from audit.alerts.services import alert_raise
from audit.models import ActivityDay, Alert, LookupExplanation, ReviewRun
from audit.review.detectors.base import Finding
from audit.review.pipeline import LATE_SETTLE, misuse_review_run
from audit.review.windows import Window
from audit.writer import PastEvent, access_events_load_synthetic
from directory.models import Organisation
from tests.factories import (
    ChildFactory,
    InvolvementFactory,
    OrganisationFactory,
    UserFactory,
    actor_for,
)

LONDON = ZoneInfo("Europe/London")
MONDAY_10AM = datetime(2026, 11, 2, 10, 0, tzinfo=LONDON)
Relation = LookupExplanation.Relation
Strength = LookupExplanation.Strength
# A case opened eight days after the lookup: after the settle's five days, within the ten.
EIGHT_DAYS = 8


@pytest.fixture(autouse=True)
def _follow_up_days(settings):
    settings.MISUSE_FOLLOW_UP_DAYS = 5
    settings.MISUSE_LATE_FOLLOW_UP_DAYS = 10


def _looked_up(user, child) -> None:
    access_events_load_synthetic(
        [PastEvent(occurred_at=MONDAY_10AM, actor=actor_for(user), action="view", outcome="shown",
                   purpose="current_involvement", child_public_id=child.public_id)]
    )  # fmt: skip


def _review(days_after: int) -> LookupExplanation:
    """The review run the morning ``days_after`` the lookup, and the explanation then."""
    misuse_review_run(now=MONDAY_10AM + timedelta(days=days_after, hours=-2))
    return LookupExplanation.objects.get()


def _settled_then_late(user, child) -> tuple[LookupExplanation, LookupExplanation]:
    """The explanation once the follow-up days have passed, and once the late ones have."""
    _looked_up(user, child)
    settled = _review(settings.MISUSE_FOLLOW_UP_DAYS + 1)
    return settled, _review(settings.MISUSE_LATE_FOLLOW_UP_DAYS + 1)


def _opened_on(days_after: int):
    return (MONDAY_10AM + timedelta(days=days_after)).date()


def _unexplained_children(user) -> int:
    return ActivityDay.objects.get(actor_id=user.pk).unexplained_children


def test_a_case_opened_eight_days_later_explains_the_lookup_after_the_late_settle_only(world):
    referred = ChildFactory(local_authority=world.leeds)
    InvolvementFactory(
        child=referred, organisation=world.council, started_on=_opened_on(EIGHT_DAYS)
    )
    _looked_up(world.dora, referred)

    settled = _review(settings.MISUSE_FOLLOW_UP_DAYS + 1)
    assert settled.relations == [Relation.RESIDENCE]
    assert settled.strength == Strength.WEAK
    assert _unexplained_children(world.dora) == 1
    # The morning before the late horizon: still as settled.
    assert _review(settings.MISUSE_LATE_FOLLOW_UP_DAYS).strength == Strength.WEAK

    late = _review(settings.MISUSE_LATE_FOLLOW_UP_DAYS + 1)
    assert late.relations == [Relation.CASE_OPENED, Relation.RESIDENCE]
    assert late.strength == Strength.MEDIUM
    assert late.basis == settled.basis
    assert _unexplained_children(world.dora) == 0


def test_the_late_settle_runs_once_per_day(world):
    referred = ChildFactory(local_authority=world.leeds)
    InvolvementFactory(
        child=referred, organisation=world.council, started_on=_opened_on(EIGHT_DAYS)
    )
    _settled_then_late(world.dora, referred)
    day = ReviewRun.objects.get(detector=LATE_SETTLE, window_start__lte=MONDAY_10AM,
                                window_end__gt=MONDAY_10AM)  # fmt: skip
    assert day.events_read == 1
    again = _review(settings.MISUSE_LATE_FOLLOW_UP_DAYS + 2)
    assert again.relations == [Relation.CASE_OPENED, Relation.RESIDENCE]
    assert (
        ReviewRun.objects.filter(detector=LATE_SETTLE, window_start=day.window_start).count() == 1
    )


def test_a_lookup_followed_by_nothing_stays_unexplained(world):
    stranger = ChildFactory(local_authority=world.leeds)
    _settled, late = _settled_then_late(world.dora, stranger)
    assert late.relations == [Relation.RESIDENCE]
    assert late.strength == Strength.WEAK
    assert _unexplained_children(world.dora) == 1


def test_a_case_opened_after_the_late_follow_up_days_explains_nothing(world):
    child = ChildFactory(local_authority=world.leeds)
    too_late = _opened_on(settings.MISUSE_LATE_FOLLOW_UP_DAYS + 1)
    InvolvementFactory(child=child, organisation=world.council, started_on=too_late)
    _settled, late = _settled_then_late(world.dora, child)
    assert late.relations == [Relation.RESIDENCE]


@pytest.mark.parametrize("unrelated", ["another_authoritys_service", "a_school_of_her_authority"])
def test_a_case_an_unrelated_organisation_opens_explains_nothing(world, unrelated):
    if unrelated == "another_authoritys_service":
        opener = OrganisationFactory(
            kind=Organisation.Kind.LA_CHILDRENS_SERVICES, local_authority=world.kent
        )
    else:  # her own authority, but not children's services: not the referral's case
        opener = world.school_a
    child = ChildFactory(local_authority=world.leeds)
    InvolvementFactory(child=child, organisation=opener, started_on=_opened_on(EIGHT_DAYS))
    _settled, late = _settled_then_late(world.dora, child)
    assert late.relations == [Relation.RESIDENCE]
    assert _unexplained_children(world.dora) == 1


def test_a_lookup_the_settle_already_explained_is_left_as_it_was(world):
    referred = ChildFactory(local_authority=world.leeds)
    InvolvementFactory(child=referred, organisation=world.council, started_on=_opened_on(2))
    InvolvementFactory(
        child=referred, organisation=world.council, started_on=_opened_on(EIGHT_DAYS)
    )
    settled, late = _settled_then_late(world.dora, referred)
    assert settled.relations == late.relations == [Relation.CASE_OPENED, Relation.RESIDENCE]
    assert late.strength == Strength.MEDIUM


def test_an_alert_raised_before_the_late_settle_stays_and_shows_the_late_explanation(world):
    referred = ChildFactory(local_authority=world.leeds)
    InvolvementFactory(
        child=referred, organisation=world.council, started_on=_opened_on(EIGHT_DAYS)
    )
    _looked_up(world.dora, referred)
    settled = _review(settings.MISUSE_FOLLOW_UP_DAYS + 1)
    # What an unexplained-lookup detector raises at the settle, citing the lookup.
    alert = alert_raise(
        detector="unexplained_user",
        finding=Finding(subject_id=world.dora.pk, severity="medium",
                        summary="Opened 1 child whom nothing connects them to but residence.",
                        evidence_ids=[settled.event_id], key="late-settle"),
        window=Window(start=MONDAY_10AM - timedelta(hours=10),
                      end=MONDAY_10AM + timedelta(hours=14)),
        now=MONDAY_10AM + timedelta(days=settings.MISUSE_FOLLOW_UP_DAYS + 1),
    )  # fmt: skip
    assert alert is not None

    _review(settings.MISUSE_LATE_FOLLOW_UP_DAYS + 1)

    alert = Alert.objects.get(pk=alert.pk)
    assert alert.status == Alert.Status.OPEN
    auditor = UserFactory(organisation=world.council, role=Role.AUDITOR)
    detail = alert_detail(reviewer=auditor, alert_id=alert.pk, actor=actor_for(auditor))
    (row,) = detail.evidence
    assert row.explanation.strength == Strength.MEDIUM
    assert not row.explanation.unexplained
    assert row.explanation.relations[0] == Relation.CASE_OPENED.label
