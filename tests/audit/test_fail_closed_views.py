"""Audit before data on the pages around the lookups (issue 18: five audited views answered
an audit-write failure with a 500): the supervisor's item and decision, the auditor's
escalations, the data manager's shield-lift item and decision now answer the same 503 as a
search, show nothing, and say when to come back
(``access.middleware.ErrorPageMiddleware``)."""

import pytest

from access.models import ShieldChange
from tests.access.conftest import shield_world  # noqa: F401 - fixture
from tests.access.test_supervision import granted  # noqa: F401 - fixture
from tests.factories import UserFactory

from .test_fail_closed import break_audit


def _closed(response, *hidden: bytes) -> None:
    assert response.status_code == 503
    assert response["Retry-After"]
    assert b"could not be recorded" in response.content
    for text in hidden:
        assert text not in response.content


def test_the_supervisors_item_fails_closed(world, as_user, granted):  # noqa: F811
    client = as_user(world.sam)
    break_audit()
    _closed(client.get(f"/supervision/{granted.pk}/"), b"Oliver Thompson")


def test_the_supervisors_decision_fails_closed(world, as_user, granted):  # noqa: F811
    client = as_user(world.sam)
    break_audit()
    response = client.post(f"/supervision/{granted.pk}/", {"decision": "endorse", "note": "ok"})
    _closed(response, b"Oliver Thompson")
    granted.refresh_from_db()
    assert granted.judgement == "pending"


def test_the_auditors_escalations_fail_closed(world, as_user, granted):  # noqa: F811
    granted.judgement = "escalated"
    granted.save(update_fields=["judgement"])
    auditor = UserFactory(username="audra", organisation=None, role="auditor")
    client = as_user(auditor)
    break_audit()
    _closed(client.get("/supervision/escalations/"), b"Oliver Thompson")


@pytest.fixture
def lift(shield_world, as_user):  # noqa: F811
    as_user(shield_world.dee).post(
        f"/children/{shield_world.maya.public_id}/lift-shield/",
        {"reason": "Court order ended; the family has asked for the shield to be lifted."},
    )
    return shield_world, ShieldChange.objects.get()


def test_the_shield_lift_item_fails_closed(lift, as_user):
    world, change = lift
    client = as_user(world.dan)
    break_audit()
    _closed(client.get(f"/shielding/{change.pk}/"), b"Maya")


def test_the_shield_lift_decision_fails_closed(lift, as_user):
    world, change = lift
    client = as_user(world.dan)
    break_audit()
    _closed(client.post(f"/shielding/{change.pk}/", {"decision": "approve", "note": "ok"}))
    change.refresh_from_db()
    assert change.status == "pending"
