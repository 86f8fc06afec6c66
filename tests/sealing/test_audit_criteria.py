"""A postcode typed into a search, and an access request's criteria, are stored sealed
(issue 15): the audit log lists the children a search showed, so a typed postcode beside them
says where they live."""

import base64

import pytest
from django.core.management import call_command
from django.db import connection

from access.models import AccessRequest
from audit.alerts.selectors import _criteria_shown
from audit.models import AccessEvent
from audit.sealed_criteria import UNREADABLE, criteria_open
from audit.sealing.canonical import SELECT_COLUMNS, personal_data_problem, personal_digest
from directory.sealing import keyring
from directory.sealing.cipher import key_id_of

POSTCODE = "LS6 2AB"


def _search(client, postcode=POSTCODE):
    client.get("/search/", {"family_name": "Thompson", "postcode": postcode, "purpose": "referral"})
    return AccessEvent.objects.filter(action=AccessEvent.Action.SEARCH).latest("id")


def _stored_text(sql: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        return cursor.fetchone()[0]


def test_a_search_stores_the_typed_postcode_sealed(world, as_user):
    event = _search(as_user(world.alice))
    stored = _stored_text("SELECT criteria::text FROM audit_accessevent WHERE id = %s", event.pk)
    assert "Thompson" in stored  # names stay readable: the misuse review reads them in SQL
    assert "LS6" not in stored and "2AB" not in stored
    assert criteria_open(event.criteria, salt=event.personal_salt)["postcode"] == POSTCODE


def test_the_event_still_verifies_without_the_key(world, as_user):
    """The leaf's digest is over the sealed form, so the verifier needs no key, and a DBA
    holding the salt cannot test postcodes against it."""
    event = _search(as_user(world.alice))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {SELECT_COLUMNS} FROM audit_accessevent WHERE id = %s",  # noqa: S608
            [event.pk],
        )
        row = cursor.fetchone()
    assert personal_data_problem(row) is None
    typed = criteria_open(event.criteria, salt=event.personal_salt)
    assert bytes(event.personal_digest) != personal_digest(
        bytes(event.personal_salt), typed, event.reason
    )


def test_a_sealed_postcode_does_not_open_in_another_event(world, as_user):
    client = as_user(world.alice)
    first, second = _search(client), _search(client, postcode="LS1 4AP")
    assert criteria_open(first.criteria, salt=second.personal_salt)["postcode"] == UNREADABLE


def test_the_reviewer_sees_the_postcode_that_was_typed(world, as_user):
    event = _search(as_user(world.alice))
    assert ("Postcode", POSTCODE) in _criteria_shown(event)


def test_a_forgotten_event_has_nothing_to_open():
    assert criteria_open({}, salt=None) == {}


@pytest.mark.django_db
def test_an_access_request_keeps_its_criteria_sealed(world):
    request = AccessRequest.objects.create(
        requester=world.alice,
        supervisor=world.sam,
        kind=AccessRequest.Kind.PLANNED,
        reason=AccessRequest.Reason.NEW_INVOLVEMENT,
        justification="Starting to work with the family next week.",
        criteria={"family_name": "Thompson", "postcode": POSTCODE},
        status=AccessRequest.Status.AWAITING_APPROVAL,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT criteria_sealed FROM access_accessrequest WHERE id = %s", [request.pk]
        )
        raw = bytes(cursor.fetchone()[0])
    assert b"LS6" not in raw and b"Thompson" not in raw
    assert AccessRequest.objects.get(pk=request.pk).criteria["postcode"] == POSTCODE


def test_rotation_makes_a_new_audit_key_and_old_events_still_open(world, as_user):
    client = as_user(world.alice)
    before = _search(client)
    old_key = key_id_of_event(before)
    call_command("rotate_keys", verbosity=0)
    keyring.keys_forget()
    after = _search(client)
    assert key_id_of_event(after) != old_key
    assert criteria_open(before.criteria, salt=before.personal_salt)["postcode"] == POSTCODE
    assert criteria_open(after.criteria, salt=after.personal_salt)["postcode"] == POSTCODE
    call_command("rotate_keys", "--drop-unused", verbosity=0)
    keyring.keys_forget()
    assert criteria_open(before.criteria, salt=before.personal_salt)["postcode"] == POSTCODE


def key_id_of_event(event: AccessEvent) -> int:
    return key_id_of(base64.b64decode(event.criteria["postcode"]["sealed"]))
