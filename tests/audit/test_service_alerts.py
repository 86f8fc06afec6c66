"""A stalled sealer or misuse review is told to the auditors through their alert queue (issue
20): once per stall, at high severity, about the service rather than a person; the auditor
opens and closes it like any other; supervisors never see it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from access.models import Notification, Role
from audit.models import Alert, ReviewRun
from audit.writer import PastEvent, access_events_load_synthetic
from tests.factories import UserFactory

from .conftest import ALICE


@pytest.fixture
def ivy(world):
    return UserFactory(username="ivy", organisation=world.council, role=Role.AUDITOR)


@pytest.fixture
def stalled(db) -> None:
    """Sealing stalled ten minutes ago: the first event after the (absent) newest head, written
    before anything else in the test's world."""
    access_events_load_synthetic(
        [
            PastEvent(
                occurred_at=timezone.now() - timedelta(minutes=10),
                actor=ALICE,
                action="search",
                outcome="not_found",
                purpose="referral",
                criteria={"family_name": "Thompson"},
            )
        ]
    )


def test_it_tells_the_auditors_once_when_sealing_stalls(stalled, ivy, as_user):
    for _ in range(3):
        assert Client().get("/healthz/ready").status_code == 503
    [alert] = Alert.objects.filter(detector="sealing_stalled")
    assert (alert.subject, alert.for_auditors, alert.severity) == (None, True, "high")
    assert "Audit sealing has stopped keeping up" in alert.summary
    assert Notification.objects.filter(recipient=ivy, link="/audit/alerts/").count() == 1
    page = as_user(ivy).get(f"/audit/alerts/{alert.pk}/")
    assert page.status_code == 200
    assert b"ContactPoint (the service)" in page.content


def test_it_lets_an_auditor_close_it_but_suspends_no_one(stalled, ivy, as_user):
    Client().get("/healthz/ready")
    alert = Alert.objects.get(detector="sealing_stalled")
    auditor = as_user(ivy)
    refused = auditor.post(
        f"/audit/alerts/{alert.pk}/",
        {"action": "misuse", "note": "worker was down", "suspend": "on"},
    )
    assert refused.status_code in (200, 400)
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN
    auditor.post(f"/audit/alerts/{alert.pk}/", {"action": "legitimate", "note": "worker restarted"})
    alert.refresh_from_db()
    assert alert.status == Alert.Status.CLOSED


def test_it_keeps_it_from_supervisors(stalled, world, ivy, as_user):
    Client().get("/healthz/ready")
    alert = Alert.objects.get(detector="sealing_stalled")
    assert as_user(world.sam).get(f"/audit/alerts/{alert.pk}/").status_code == 404


def test_it_tells_the_auditors_once_when_review_stalls(ivy):
    now = timezone.now()
    for detector in ("shielded", "judgements"):
        ReviewRun.objects.create(
            detector=detector,
            window_start=now - timedelta(hours=6),
            window_end=now - timedelta(hours=5),
            finished_at=now - timedelta(hours=5),
        )
    Client().get("/healthz/ready")
    Client().get("/healthz/ready")
    [alert] = Alert.objects.filter(detector="review_stalled")
    assert "Misuse review has stopped keeping up" in alert.summary
    assert alert.for_auditors
