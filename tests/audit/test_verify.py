"""verify_audit notices every way of rewriting sealed history, even with the triggers off.

Each tampering is done as the table owner with the append-only triggers disabled, which is
what a database superuser can do; the trigger cannot stop it, the seal must reveal it.
"""

import base64
from io import StringIO

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.db import transaction

from audit.sealing.heads import Head, head_sign, public_key_raw
from audit.sealing.keys import signing_key
from audit.sealing.sealer import signed_head_of
from audit.sealing.verification import audit_verify
from audit.sealing.witness import WitnessConflict
from audit.writer import access_event_record

from .conftest import ALICE, log_events, seal, tamper


@pytest.fixture
def sealed(db) -> list[int]:
    """Eight events sealed in two heads (tree sizes 5 and 8); returns their ids."""
    ids = log_events(5)
    seal()
    ids += log_events(3)
    seal()
    return ids


def _first_problem() -> str:
    report = audit_verify()
    assert not report.ok
    return str(report.problems[0])


def test_it_finds_an_untouched_log_intact(sealed):
    report = audit_verify()
    assert report.ok, report.problems
    assert (report.heads, report.events, report.witnessed_heads) == (2, 8, 2)


def test_it_names_an_edited_event(sealed):
    tamper(
        'UPDATE audit_accessevent SET criteria = \'{"family_name": "Smith"}\' WHERE id = %s',
        [sealed[2]],
    )
    assert _first_problem() == f"event {sealed[2]}: has changed since it was sealed"


def test_it_names_a_deleted_event(sealed):
    tamper("DELETE FROM audit_accessevent WHERE id = %s", [sealed[3]])
    assert _first_problem() == f"event {sealed[3]}: was sealed but is missing"


def test_it_names_an_event_inserted_inside_a_sealed_range(db):
    log_events(2)
    with pytest.raises(RuntimeError), transaction.atomic():
        gap = access_event_record(actor=ALICE, action="search", outcome="shown").pk
        raise RuntimeError("the read fails: its event rolls back and its id is a gap")
    log_events(2)
    seal()
    tamper(
        "INSERT INTO audit_accessevent SELECT %s, occurred_at, actor_id, 'mallory', actor_role,"
        " organisation_id, action, outcome, purpose, criteria, result_ids, child_public_id,"
        " reason, ip_address, user_agent FROM audit_accessevent ORDER BY id LIMIT 1",
        [gap],
    )
    assert _first_problem() == f"event {gap}: is inside a sealed range but was never sealed"


def test_it_names_the_first_of_two_swapped_events(sealed):
    first, second = sealed[1], sealed[6]
    tamper(
        "UPDATE audit_accessevent AS e SET criteria = o.criteria, result_ids = o.result_ids "
        "FROM audit_accessevent AS o WHERE (e.id, o.id) IN ((%s, %s), (%s, %s))",
        [first, second, second, first],
    )
    report = audit_verify()
    assert [str(p) for p in report.problems] == [
        f"event {first}: has changed since it was sealed",
        f"event {second}: has changed since it was sealed",
    ]


def test_it_notices_a_truncated_tail(sealed):
    tamper("DELETE FROM audit_accessevent WHERE id > %s", [sealed[4]])
    tamper("DELETE FROM audit_treehead WHERE tree_size = 8")
    assert _first_problem() == (
        "head at tree size 8: is held by the witness but missing from the database "
        "(the log was cut short or rolled back)"
    )


def test_it_notices_the_whole_log_rolled_back_to_an_earlier_state(db):
    log_events(5)
    seal()
    tamper("CREATE TEMP TABLE saved_events AS SELECT * FROM audit_accessevent")
    tamper("CREATE TEMP TABLE saved_heads AS SELECT * FROM audit_treehead")
    log_events(3)
    seal()
    log_events(2)
    tamper(
        "DELETE FROM audit_accessevent; INSERT INTO audit_accessevent SELECT * FROM saved_events"
    )
    tamper("DELETE FROM audit_treehead; INSERT INTO audit_treehead SELECT * FROM saved_heads")
    assert _first_problem().startswith("head at tree size 8: is held by the witness but missing")


def test_it_refuses_to_seal_on_top_of_a_rolled_back_log(db):
    log_events(5)
    seal()
    tamper("CREATE TEMP TABLE saved_heads AS SELECT * FROM audit_treehead")
    log_events(3)
    seal()
    tamper("DELETE FROM audit_treehead; INSERT INTO audit_treehead SELECT * FROM saved_heads")
    with pytest.raises(WitnessConflict):
        seal()


def test_it_rejects_a_head_signed_with_another_key(sealed):
    forger = Ed25519PrivateKey.generate()
    head = Head.from_dict({**_head(5).to_dict(), "sealed_at": "2020-01-01T00:00:00.000000Z"})
    forged = head_sign(head, forger)
    tamper(
        "UPDATE audit_treehead SET sealed_at = %s, signature = %s WHERE tree_size = 5",
        [head.sealed_at, forged.signature],
    )
    assert _first_problem() == "head at tree size 5: signature does not verify"


def test_it_rejects_a_head_whose_signature_was_altered(sealed):
    tamper("UPDATE audit_treehead SET signature = %s WHERE tree_size = 8", [bytes(64)])
    assert _first_problem() == "head at tree size 8: signature does not verify"


def _head(tree_size: int) -> Head:
    from audit.models import TreeHead

    return signed_head_of(TreeHead.objects.get(tree_size=tree_size)).head


def test_it_notices_a_head_removed(sealed):
    tamper("DELETE FROM audit_treehead WHERE tree_size = 5")
    assert _first_problem() == (
        "head at tree size 8: names tree size 5 as its predecessor, "
        "but the head before it has size 0"
    )


def test_it_exits_non_zero_naming_the_first_bad_event(sealed):
    tamper("DELETE FROM audit_accessevent WHERE id = %s", [sealed[0]])
    with pytest.raises(CommandError, match=f"TAMPERING DETECTED: event {sealed[0]}: was sealed"):
        call_command("verify_audit", stdout=StringIO(), stderr=StringIO())


def test_it_says_an_intact_log_is_intact(sealed):
    output = StringIO()
    call_command("verify_audit", stdout=output)
    assert "Checked 2 tree heads and 8 sealed events" in output.getvalue()
    assert "The audit log is intact." in output.getvalue()


def test_it_prints_the_public_key_outside_parties_need(db):
    output = StringIO()
    call_command("verify_audit", "--print-public-key", stdout=output)
    raw = public_key_raw(signing_key().public_key())
    assert f"base64: {base64.b64encode(raw).decode()}" in output.getvalue()
    assert "BEGIN PUBLIC KEY" in output.getvalue()


def test_it_verifies_with_only_the_public_key(sealed, settings):
    public = base64.b64encode(public_key_raw(signing_key().public_key())).decode()
    settings.AUDIT_SIGNING_KEY, settings.AUDIT_SIGNING_KEY_FILE = "", ""
    output = StringIO()
    call_command("verify_audit", "--public-key", public, stdout=output)
    assert "The audit log is intact." in output.getvalue()
