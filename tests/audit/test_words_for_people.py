"""Words meant for developers stay off the pages (issue 17, point 5), and the audit trail reads
as users see it (point 6)."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from access.models import AccessRequest, Role
from audit.models import AccessEvent
from audit.review.detectors import DETECTORS
from audit.writer import Actor, access_event_record
from tests.audit.test_alert_views import _evidence, _raise
from tests.factories import GrantFactory, UserFactory


def _record(user, action, **fields):
    actor = Actor(user.pk, user.username, user.role, user.organisation_id, "192.0.2.1", "test")
    with transaction.atomic():
        return access_event_record(actor=actor, action=action, **fields)


@pytest.mark.parametrize("detector", DETECTORS, ids=lambda d: d.name)
def test_it_explains_every_kind_of_alert_in_plain_words(detector):
    words = detector.explanation
    assert len(words) > 60
    for developer_word in ("``", "benchmark", "params", "min_", "issue 14", "_days", "MAD"):
        assert developer_word not in words


def test_it_shows_no_code_or_benchmark_notes_on_an_alert(world, as_user):
    auditor = UserFactory(organisation=world.council, role=Role.AUDITOR)
    for detector in DETECTORS:
        alert = _raise(world.alice, detector=detector.name)
        body = as_user(auditor).get(f"/audit/alerts/{alert.pk}/").content.decode()
        assert detector.explanation.replace("'", "&#x27;") in body
        assert "``" not in body and "benchmark" not in body


def test_it_keeps_the_child_id_apart_from_the_note_in_evidence(world, as_user):
    event = _record(
        world.alice,
        AccessEvent.Action.ACCESS_GRANTED,
        outcome="ok",
        purpose="emergency",
        child_public_id=world.kent_child.public_id,
        reason="request 7 until 2027-01-13 11:30",
    )
    alert = _raise(world.alice, evidence=[event.pk])
    body = as_user(world.sam).get(f"/audit/alerts/{alert.pk}/").content.decode()
    assert f"{world.kent_child.public_id}request" not in body
    assert "<dt>Child</dt>" in body and "<dt>Note</dt><dd>request 7" in body


def test_it_shows_purposes_in_words_on_the_evidence(world, as_user):
    alert = _raise(world.alice, evidence=_evidence(world.alice, world.maya))
    body = as_user(world.sam).get(f"/audit/alerts/{alert.pk}/").content.decode()
    assert "Making or receiving a referral" in body


@pytest.fixture
def judged(world):
    now = timezone.now()
    request = GrantFactory(
        requester=world.alice,
        supervisor=world.sam,
        child=world.maya,
        granted_at=now - timedelta(minutes=5),
        expires_at=now + timedelta(minutes=55),
    )
    return request


def test_it_names_supervisors_decisions_in_words_on_the_who_viewed_report(
    world, sar, as_user, judged
):
    supervisor = as_user(world.sam)
    supervisor.post(f"/supervision/{judged.pk}/", {"decision": "endorse", "note": "Right."})
    body = as_user(sar.dana).get(f"/audit/children/{world.maya.public_id}/viewers/")
    page = body.content.decode()
    assert "Break-glass endorsed" in page
    assert "Bg endorsed" not in page


def test_it_shows_a_supervisors_reloads_as_one_review(world, sar, as_user, judged):
    supervisor = as_user(world.sam)
    for _ in range(3):
        supervisor.get(f"/supervision/{judged.pk}/")
    reviews = AccessEvent.objects.filter(
        action="supervision_view", child_public_id=judged.child.public_id
    )
    assert reviews.count() == 3  # every look is still in the log
    page = as_user(sar.dana).get(f"/audit/children/{world.maya.public_id}/viewers/")
    body = page.content.decode()
    assert body.count("Reviewed a request for access") == 1
    assert "3 times, the last at" in body
    assert "3 times someone saw this child" in body


def test_it_keeps_looks_apart_by_different_people(world, sar, as_user):
    as_user(world.alice).get(f"/children/{world.maya.public_id}/", {"purpose": "referral"})
    as_user(world.bob).get(f"/children/{world.maya.public_id}/", {"purpose": "referral"})
    body = as_user(sar.dana).get(f"/audit/children/{world.maya.public_id}/viewers/")
    assert body.content.decode().count("Opened the record") == 2


def test_it_names_the_child_i_opened_while_they_are_in_my_scope(world, as_user):
    client = as_user(world.alice)
    client.get(f"/children/{world.maya.public_id}/", {"purpose": "referral"})
    body = client.get("/audit/my-lookups/").content.decode()
    assert "Record view: <a" in body and "Maya Thompson" in body
    named = AccessEvent.objects.get(action="own_lookups_view", actor_id=world.alice.pk)
    assert named.result_ids == [world.maya.public_id]


def test_it_shows_only_the_id_of_a_child_no_longer_in_my_scope(world, as_user):
    now = timezone.now()
    GrantFactory(
        requester=world.alice,
        supervisor=world.sam,
        child=world.kent_child,
        granted_at=now - timedelta(minutes=5),
        expires_at=now + timedelta(minutes=55),
    )
    client = as_user(world.alice)
    client.get(f"/children/{world.kent_child.public_id}/", {"purpose": "emergency"})
    assert "Oliver Thompson" in client.get("/audit/my-lookups/").content.decode()
    AccessRequest.objects.update(expires_at=now - timedelta(minutes=1))
    body = client.get("/audit/my-lookups/").content.decode()
    assert "Oliver" not in body
    assert world.kent_child.public_id in body


def test_it_never_names_a_child_from_a_record_that_was_not_shown(world, as_user):
    client = as_user(world.alice)
    client.get(f"/children/{world.kent_child.public_id}/", {"purpose": "referral"})
    body = client.get("/audit/my-lookups/").content.decode()
    assert "Oliver" not in body
    assert not AccessEvent.objects.filter(action="own_lookups_view").exists()


def test_it_shows_a_record_not_found_without_a_result(world, as_user):
    client = as_user(world.alice)
    client.get(f"/children/{world.kent_child.public_id}/", {"purpose": "referral"})
    body = client.get("/audit/my-lookups/").content.decode()
    assert "Not found" in body
    assert "1 record" not in body


def test_it_shows_purposes_in_words_on_lookups_pages(world, as_user):
    client = as_user(world.alice)
    client.get("/search/", {"family_name": "Thompson", "purpose": "current_involvement"})
    mine = client.get("/audit/my-lookups/").content.decode()
    team = as_user(world.sam).get("/audit/team-lookups/").content.decode()
    for page in (mine, team):
        assert "current_involvement" not in page
        assert "Currently working with the child" in page
