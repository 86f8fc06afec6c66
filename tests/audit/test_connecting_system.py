"""An event made through the API seals its connecting system (issue 19).

Rule (audit, two parties): who looked is the practitioner *and* the system they looked
through; both must be beyond quiet editing. The leaf carries ``api_client`` when the event has
one and leaves the key out otherwise, so no earlier leaf or signed head changes.
"""

import json
from dataclasses import replace

import pytest
from django.db import connection, transaction

from audit.sealing.canonical import SELECT_COLUMNS, event_bytes
from audit.sealing.verification import audit_verify
from audit.writer import access_event_record

from .conftest import ALICE, log_events, seal, tamper

CLIENT = "cpc_0123456789abcdef01234567"


@pytest.fixture(autouse=True)
def retention_switch_off(db):
    with connection.cursor() as cursor:
        cursor.execute("SET contactpoint.audit_retention = 'off'")


def _api_search() -> int:
    with transaction.atomic():
        event = access_event_record(
            actor=replace(ALICE, api_client=CLIENT),
            action="search",
            outcome="shown",
            purpose="referral",
            criteria={"family_name": "Thompson"},
            result_ids=["child000000000000000000001"],
        )
    return event.pk


def _row(event_id: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {SELECT_COLUMNS} FROM audit_accessevent WHERE id = %s",  # noqa: S608
            [event_id],
        )
        return cursor.fetchone()


def test_it_puts_the_connecting_system_in_the_leaf(db):
    assert json.loads(event_bytes(_row(_api_search())))["api_client"] == CLIENT


def test_it_leaves_the_key_out_of_a_page_events_leaf(db):
    [event_id] = log_events(1)
    row = _row(event_id)
    assert "api_client" not in json.loads(event_bytes(row))
    assert event_bytes(row) == event_bytes(row[:-1])  # as encoded before issue 19


def test_a_log_with_api_events_verifies(db):
    log_events(2)
    _api_search()
    seal()
    report = audit_verify()
    assert report.ok, report.problems


@pytest.mark.parametrize(
    "change",
    [
        "api_client = 'cpc_someoneelse000000000000'",  # another system
        "api_client = NULL",  # the system erased
    ],
)
def test_it_detects_a_changed_connecting_system(db, change):
    event_id = _api_search()
    seal()
    tamper(f"UPDATE audit_accessevent SET {change} WHERE id = %s", [event_id])  # noqa: S608
    report = audit_verify()
    assert not report.ok
    assert any(str(event_id) in line for line in map(str, report.problems))


def test_it_detects_a_system_slipped_into_a_page_event(db):
    [event_id] = log_events(1)
    seal()
    tamper(f"UPDATE audit_accessevent SET api_client = '{CLIENT}' WHERE id = %s", [event_id])  # noqa: S608
    assert not audit_verify().ok
