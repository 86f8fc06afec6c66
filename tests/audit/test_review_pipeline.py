"""The review run end to end: lookups explained, windows reviewed once, alerts assigned.

Per-detector cases live in test_misuse_detectors.py; these check the pipeline around them.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from audit.models import Alert, LookupExplanation, ReviewRun
from audit.review.pipeline import misuse_review_run
from audit.writer import Actor, PastEvent, access_events_load_synthetic
from tests.factories import children_crowd

LONDON = ZoneInfo("Europe/London")
MONDAY_10AM = datetime(2026, 11, 2, 10, 0, tzinfo=LONDON)


def _actor(user) -> Actor:
    return Actor(
        user_id=user.pk,
        username=user.username,
        role=user.role,
        organisation_id=user.organisation_id,
        ip_address="10.0.0.1",
        user_agent="test",
    )


def _views(user, child, *, at: datetime, count: int = 1) -> list[PastEvent]:
    return [
        PastEvent(
            occurred_at=at + timedelta(minutes=5 * n),
            actor=_actor(user),
            action="view",
            outcome="shown",
            purpose="current_involvement",
            child_public_id=child.public_id,
        )
        for n in range(count)
    ]


@pytest.fixture
def alice_is_a_thompson(world):
    """alice shares maya's family name (an uncommon one in this tiny world... made uncommon
    by the threshold floor of 5 children) and lives at maya's postcode, in an authority of
    some 3,000 children: opening maya alone is then a coincidence of about one in 3,000,
    which ``own_family`` raises (in the tiny world alone it would be one in a handful)."""
    children_crowd(world.leeds, 3000)
    world.alice.last_name = "Thompson"
    world.alice.home_postcode = world.maya.postcode
    world.alice.save()
    return world


def test_it_explains_each_lookup_from_the_directory(world):
    access_events_load_synthetic(
        _views(world.alice, world.maya, at=MONDAY_10AM)
        + _views(world.dora, world.kent_child, at=MONDAY_10AM)
    )
    misuse_review_run(now=MONDAY_10AM + timedelta(days=1))
    bases = dict(LookupExplanation.objects.values_list("actor_id", "basis"))
    assert bases == {world.alice.pk: "involvement", world.dora.pk: "none"}


def test_it_raises_an_alert_for_a_lookup_at_the_users_own_address(alice_is_a_thompson):
    world = alice_is_a_thompson
    access_events_load_synthetic(_views(world.alice, world.maya, at=MONDAY_10AM))
    misuse_review_run(now=MONDAY_10AM + timedelta(days=1))
    alert = Alert.objects.get(detector="own_family")
    assert alert.subject == world.alice
    assert alert.severity == "high"
    assert alert.for_auditors and alert.assignee is None
    assert alert.evidence_count == 1


def test_it_reviews_each_window_once(alice_is_a_thompson):
    world = alice_is_a_thompson
    access_events_load_synthetic(_views(world.alice, world.maya, at=MONDAY_10AM))
    later = MONDAY_10AM + timedelta(days=1)
    misuse_review_run(now=later)
    runs, alerts = ReviewRun.objects.count(), Alert.objects.count()
    report = misuse_review_run(now=later)
    assert (ReviewRun.objects.count(), Alert.objects.count()) == (runs, alerts)
    assert sum(report.windows.values()) == 0


def test_it_leaves_windows_that_have_not_ended_for_the_next_run(alice_is_a_thompson):
    world = alice_is_a_thompson
    access_events_load_synthetic(_views(world.alice, world.maya, at=MONDAY_10AM))
    misuse_review_run(now=MONDAY_10AM + timedelta(hours=2))
    assert not Alert.objects.filter(detector="own_family").exists()
    misuse_review_run(now=MONDAY_10AM + timedelta(days=1))
    assert Alert.objects.filter(detector="own_family").count() == 1


def test_it_records_windows_without_events_as_reviewed_without_running_them(
    alice_is_a_thompson,
):
    world = alice_is_a_thompson
    access_events_load_synthetic(_views(world.alice, world.maya, at=MONDAY_10AM))
    report = misuse_review_run(now=MONDAY_10AM + timedelta(days=1))
    hourly = ReviewRun.objects.filter(detector="shielded")
    assert hourly.count() == report.windows["shielded"] > 20
    assert hourly.filter(seconds__gt=0).count() == 1


def test_it_sends_an_alert_about_someone_with_a_team_to_the_auditors(alice_is_a_thompson):
    world = alice_is_a_thompson
    world.alice.home_postcode = ""
    world.alice.save()
    world.bob.supervisor = world.alice
    world.bob.save()
    access_events_load_synthetic(_views(world.alice, world.maya, at=MONDAY_10AM))
    misuse_review_run(now=MONDAY_10AM + timedelta(days=1))
    alert = Alert.objects.get(detector="own_family")
    assert alert.severity == "medium"
    assert alert.for_auditors and alert.assignee is None
