"""Sealing: committed events become signed tree heads, copied to the witness, safely."""

import base64
import os
import stat

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from audit.models import TreeHead
from audit.sealing.canonical import SELECT_COLUMNS, event_bytes
from audit.sealing.heads import Head, head_sign, key_id_for, public_key_raw
from audit.sealing.keys import signing_key
from audit.sealing.merkle import leaf_hash, root_from_leaves
from audit.sealing.seal_lock import seal_lock_register, seal_lock_take
from audit.sealing.sealer import (
    BUSY,
    NOTHING_NEW,
    SEALED,
    WAITING,
    audit_seal,
    signed_head_of,
)
from audit.sealing.verification import audit_verify
from audit.sealing.verify_head import main as verify_head_main
from audit.sealing.witness import WitnessConflict
from audit.tasks import audit_seal_task
from contactpoint.celery import app

from .conftest import log_events, seal, second_session

INSERT_HELD = (
    "INSERT INTO audit_accessevent (id, occurred_at, action, outcome, actor_username, "
    "actor_role, purpose, criteria, result_ids, child_public_id, reason, user_agent) "
    "VALUES (%s, now(), 'search', 'shown', 'bob', '', '', '{}', '{}', '', '', '')"
)


def _leaves_of_all_events() -> list[bytes]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {SELECT_COLUMNS} FROM audit_accessevent ORDER BY id")  # noqa: S608
        return [leaf_hash(event_bytes(row)) for row in cursor.fetchall()]


@pytest.fixture
def other_session(transactional_db):
    """A second, real database session (another request, another worker)."""
    session = second_session()
    yield session
    session.close()


def test_it_seals_committed_events_into_a_signed_head(db):
    log_events(5)
    head = seal()
    assert head.tree_size == 5
    assert bytes(head.root_hash) == root_from_leaves(_leaves_of_all_events())
    signed = signed_head_of(head)
    signing_key().public_key().verify(signed.signature, signed.head.signed_bytes())


def test_it_extends_the_previous_head(db):
    log_events(3)
    first = seal()
    log_events(4)
    second = seal()
    assert (second.previous_tree_size, bytes(second.previous_root_hash)) == (
        3,
        bytes(first.root_hash),
    )
    assert second.tree_size == 7
    assert bytes(second.root_hash) == root_from_leaves(_leaves_of_all_events())


def test_it_writes_nothing_when_nothing_is_new(db):
    log_events(2)
    seal()
    assert audit_seal().status == NOTHING_NEW
    assert TreeHead.objects.count() == 1


def test_it_copies_each_head_to_the_witness_read_only(db, witness):
    log_events(2)
    head = seal()
    path = witness.path_for(head.tree_size)
    assert path.name == "00000000000000000002.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o444
    public = public_key_raw(signing_key().public_key())
    assert verify_head_main(["--public-key", _b64(public), str(witness.directory)]) == 0


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def test_it_never_overwrites_a_witnessed_head_with_a_different_one(db, witness):
    log_events(2)
    head = seal()
    original = witness.path_for(head.tree_size).read_bytes()
    key = signing_key()
    forged = Head.from_dict({**signed_head_of(head).head.to_dict(), "root_hash": "00" * 32})
    with pytest.raises(WitnessConflict):
        witness.publish(head_sign(forged, key))
    assert witness.path_for(head.tree_size).read_bytes() == original


def test_it_seals_with_the_command_everything_committed(db):
    log_events(3)
    call_command("seal_audit")
    assert TreeHead.objects.get().tree_size == 3


def test_it_does_not_seal_past_an_event_whose_transaction_is_still_open(other_session):
    held = other_session.cursor()
    held.execute("SELECT nextval(pg_get_serial_sequence('audit_accessevent', 'id'))")
    (held_id,) = held.fetchone()
    held.execute(INSERT_HELD, [held_id])
    [later] = log_events(1)
    assert audit_seal(wait_seconds=0.2).status == WAITING
    assert not TreeHead.objects.exists()
    other_session.commit()
    head = seal()
    assert (head.first_event_id, head.last_event_id) == (held_id, later)


def test_it_waits_for_a_transaction_holding_an_id_before_it_has_a_transaction_id(other_session):
    """A snapshot's list of running transactions would miss this one: nextval assigns no
    xid. The lock nextval takes on the sequence does not miss it."""
    held = other_session.cursor()
    for _attempt in range(64):
        held.execute(
            "SELECT nextval(pg_get_serial_sequence('audit_accessevent', 'id')), "
            "pg_current_xact_id_if_assigned()"
        )
        held_id, xid = held.fetchone()
        if xid is None:
            break
        other_session.rollback()
    assert xid is None
    log_events(1)
    assert audit_seal(wait_seconds=0.2).status == WAITING
    held.execute(INSERT_HELD, [held_id])
    other_session.commit()
    seal()
    assert audit_verify().ok


def test_it_lets_only_one_sealer_seal_at_a_time(other_session):
    log_events(1)
    assert seal_lock_take(other_session.cursor(), signing_key())
    assert audit_seal(wait_seconds=0).status == BUSY
    other_session.rollback()
    assert audit_seal().status == SEALED


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_it_seals_through_a_real_celery_worker():
    log_events(4)
    with start_worker(app, perform_ping_check=False, shutdown_timeout=10):
        outcome = audit_seal_task.delay().get(timeout=20)
    assert outcome["status"] == SEALED
    assert TreeHead.objects.get().tree_size == 4


def test_it_signs_with_a_key_from_a_file(db, settings, tmp_path):
    key_file = tmp_path / "audit-signing-key"
    key_file.write_text("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n")
    key_file.chmod(0o600)
    settings.AUDIT_SIGNING_KEY, settings.AUDIT_SIGNING_KEY_FILE = "", str(key_file)
    seal_lock_register()  # what `migrate` does after a new key is installed
    log_events(1)
    head = seal()
    assert head.key_id == key_id_for(signing_key().public_key())
    assert audit_verify().ok


def test_it_refuses_to_seal_without_a_signing_key(db, settings):
    settings.AUDIT_SIGNING_KEY, settings.AUDIT_SIGNING_KEY_FILE = "", ""
    log_events(1)
    with pytest.raises(ImproperlyConfigured, match="No audit signing key"):
        audit_seal()
    assert "audit.E001" in {message.id for message in run_checks()}
