"""Re-rooting makes the log's version 1 events forgettable, in a new epoch (issue 13: "the
existing log is migrated").

A version 1 event seals its criteria and reason in its leaf. ``audit_reroot`` gives each a
salt and digest (version 2), seals every event again as epoch 2, and signs a transition head
joining the two epochs, with a mapping of old leaves to new for outsiders. The owner's blanket
retention switch is off here, as in production, so that re-encoding goes through its own
narrow exception and nothing else.
"""

import os
import stat
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit.forgetting import audit_forget_children
from audit.models import AccessEvent, TransitionHead, TreeHead
from audit.sealing.canonical import SELECT_COLUMNS, event_bytes
from audit.sealing.heads import public_key_raw
from audit.sealing.keys import signing_key
from audit.sealing.merkle import leaf_hash
from audit.sealing.reroot import NOTHING_TO_DO, REROOTED, RerootRefused, audit_reroot
from audit.sealing.seal_lock import head_insert, seal_lock_secret
from audit.sealing.sealer import audit_seal
from audit.sealing.transition import mapping_entries, mapping_problems, reencoding_problem
from audit.sealing.verification import audit_verify
from audit.sealing.verify_head import main as verify_head_main
from tests.directory.test_retention import _dump, retention
from tests.factories import ChildFactory

from .conftest import log_events, log_version_1_events, run_sql, seal, second_session, tamper

# The re-rooting switch, set by hand as an owner bypassing cp_audit_reencode would.
REROOT_ON = "SELECT set_config('contactpoint.audit_reroot', 'on', true)"

MAYA = "maya0000000000000000001"
CRITERIA = {"family_name": "Okonkwo", "given_name": "Maya", "date_of_birth": "2014-02-09"}
REASON = "Mother rang about Maya Okonkwo of LS6 2AB"


@pytest.fixture(autouse=True)
def retention_switch_off(db):
    """As in production: the owner's blanket retention switch is off; back to the test
    session's default afterwards, so that a transactional test's tables can be flushed."""
    with connection.cursor() as cursor:
        cursor.execute("SET contactpoint.audit_retention = 'off'")
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET contactpoint.audit_retention")


@pytest.fixture
def old_log(db) -> list[int]:
    """Six events sealed in epoch 1 (heads of sizes 3 and 6): four of leaf version 1 naming
    Maya, then two of version 2."""
    ids = log_version_1_events(3, criteria=CRITERIA, reason=REASON, result_ids=[MAYA])
    seal()
    ids += log_version_1_events(1, criteria=CRITERIA, child_public_id=MAYA)
    ids += log_events(2)
    seal()
    return ids


def _rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {SELECT_COLUMNS} FROM audit_accessevent ORDER BY id")  # noqa: S608
        return cursor.fetchall()


def _problems() -> list[str]:
    return [str(problem) for problem in audit_verify().problems]


def _public_key() -> str:
    import base64

    return base64.b64encode(public_key_raw(signing_key().public_key())).decode()


def test_it_reroots_a_log_with_version_1_events_and_it_verifies(old_log, witness):
    result = audit_reroot()
    assert (result.status, result.epoch, result.reencoded, result.heads) == (REROOTED, 2, 4, 1)
    assert set(AccessEvent.objects.values_list("leaf_version", flat=True)) == {2}
    report = audit_verify()
    assert report.ok, report.problems
    assert (report.epoch, report.transitions, report.heads, report.events) == (2, 1, 3, 6)
    assert [(h.head.epoch, h.head.tree_size) for h in witness.heads()] == [(1, 3), (1, 6), (2, 6)]
    assert verify_head_main(["--public-key", _public_key(), str(witness.directory)]) == 0


def test_it_says_which_epoch_it_checked_in_full(old_log):
    audit_reroot()
    output = StringIO()
    call_command("verify_audit", stdout=output)
    assert "Epoch 2 checked in full; 1 transition head(s) join it" in output.getvalue()
    assert "The audit log is intact." in output.getvalue()


def test_it_names_both_epochs_heads_in_the_transition_head(old_log, witness):
    audit_reroot()
    [signed] = witness.transitions()
    transition = signed.transition.to_dict()
    old = TreeHead.objects.get(epoch=1, tree_size=6)
    new = TreeHead.objects.get(epoch=2, tree_size=6)
    assert transition["from_log"] == "contactpoint-audit/v1"
    assert transition["to_log"] == "contactpoint-audit/v2"
    assert transition["from_root_hash"] == bytes(old.root_hash).hex()
    assert transition["to_root_hash"] == bytes(new.root_hash).hex()
    assert bytes(old.root_hash) != bytes(new.root_hash)
    assert b'"log":"contactpoint-audit/v2"' in witness.path_for(6, epoch=2).read_bytes()


def test_it_leaves_epoch_1_heads_as_they_were_signed(old_log, witness):
    before = {path: path.read_bytes() for path in witness.directory.glob("*.json")}
    audit_reroot()
    assert {path: path.read_bytes() for path in witness.directory.glob("*.json")} == before


def test_it_spreads_a_long_log_over_several_epoch_2_heads(old_log, witness, monkeypatch):
    monkeypatch.setattr("audit.sealing.reroot.MAX_BATCH", 4)
    assert audit_reroot().heads == 2
    assert list(TreeHead.objects.filter(epoch=2).values_list("tree_size", flat=True)) == [4, 6]
    assert audit_verify().ok
    assert verify_head_main(["--public-key", _public_key(), str(witness.directory)]) == 0


def test_it_lets_an_outsider_check_old_leaves_against_new_with_the_mapping(old_log, witness):
    before = _rows()
    audit_reroot()
    [signed] = witness.transitions()
    entries = list(mapping_entries(witness.mapping(2)))
    assert [entry[0] for entry in entries] == [row[0] for row in before]
    assert [entry[1] for entry in entries] == [leaf_hash(event_bytes(row)) for row in before]
    for row, (_, old, new, digest) in zip(before, entries, strict=True):
        assert reencoding_problem(row, old, new, digest) is None
    assert mapping_problems(witness.mapping(2), signed.transition) == []


def test_it_tells_an_outsider_when_an_event_differs_from_the_mapping(old_log, witness):
    row = list(_rows()[0])
    audit_reroot()
    _, old, new, digest = next(iter(mapping_entries(witness.mapping(2))))
    row[1] = row[1].replace(year=2020)
    assert reencoding_problem(row, old, new, digest) == "is not the event the old epoch sealed"


def test_it_seals_later_events_into_epoch_2(old_log, witness):
    audit_reroot()
    log_events(2)
    head = seal()
    assert (head.epoch, head.tree_size, head.previous_tree_size) == (2, 8, 6)
    assert witness.path_for(8, epoch=2).exists()
    assert audit_verify().ok


def test_it_forgets_a_formerly_version_1_event_and_still_verifies(old_log):
    audit_reroot()
    assert audit_forget_children(public_ids=[MAYA]).forgotten == 4
    event = AccessEvent.objects.get(pk=old_log[0])
    assert (event.criteria, event.reason, event.personal_salt) == ({}, "", None)
    report = audit_verify()
    assert report.ok, report.problems


def test_it_names_an_epoch_2_event_changed_after_rerooting(old_log):
    audit_reroot()
    tamper("UPDATE audit_accessevent SET actor_username = 'mallory' WHERE id = %s", [old_log[1]])
    assert _problems() == [f"event {old_log[1]}: has changed since it was sealed"]


def test_it_names_a_formerly_version_1_events_criteria_changed(old_log):
    audit_reroot()
    tamper(
        'UPDATE audit_accessevent SET criteria = \'{"family_name": "Smith"}\' WHERE id = %s',
        [old_log[0]],
    )
    assert _problems() == [f"event {old_log[0]}: has changed since it was sealed"]


def test_it_detects_an_epoch_1_head_whose_signature_was_altered(old_log):
    audit_reroot()
    tamper("UPDATE audit_treehead SET signature = %s WHERE epoch = 1 AND tree_size = 3", [b"0"])
    assert _problems()[0] == "head at tree size 3: signature does not verify"


def test_it_detects_an_altered_transition_head(old_log):
    audit_reroot()
    tamper("UPDATE audit_transitionhead SET from_root_hash = sha256('another history')")
    problems = _problems()
    assert problems[0] == "transition head into epoch 2: signature does not verify"
    assert "transition head into epoch 2: does not name the last head of epoch 1" in problems
    assert "transition head into epoch 2: differs from the witness's copy" in problems


def test_it_detects_a_removed_transition_head(old_log):
    audit_reroot()
    tamper("DELETE FROM audit_transitionhead")
    assert _problems() == [
        "epoch 2: has no transition head leading into it",
        "transition head into epoch 2: is held by the witness but missing from the database",
    ]


def test_it_detects_a_changed_mapping_file(old_log, witness):
    audit_reroot()
    path = witness.directory / "transitions" / "epoch-2-leaves.csv"
    os.chmod(path, stat.S_IWUSR | stat.S_IRUSR)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([lines[0], lines[2], lines[1], *lines[3:]]))
    signed_other = "the mapping file is not the one the transition head signed"
    assert f"transition head into epoch 2: {signed_other}" in _problems()
    assert verify_head_main(["--public-key", _public_key(), str(witness.directory)]) == 1


def test_it_refuses_a_log_that_does_not_verify_and_changes_nothing(old_log):
    tamper("UPDATE audit_accessevent SET actor_username = 'mallory' WHERE id = %s", [old_log[4]])
    with pytest.raises(CommandError, match=f"does not verify \\(event {old_log[4]}: has changed"):
        call_command("audit_reroot", stdout=StringIO())
    assert AccessEvent.objects.filter(leaf_version=1).count() == 4
    assert not TreeHead.objects.filter(epoch=2).exists()


def test_it_refuses_while_events_are_unsealed(old_log):
    log_events(1)
    with pytest.raises(RerootRefused, match="1 events are not sealed yet"):
        audit_reroot()
    assert AccessEvent.objects.filter(leaf_version=1).count() == 4


def test_it_changes_nothing_when_run_again(old_log, witness):
    call_command("audit_reroot", stdout=StringIO())
    files = {path: path.read_bytes() for path in witness.directory.rglob("*") if path.is_file()}
    heads = list(TreeHead.objects.values_list("epoch", "tree_size", "root_hash"))
    output = StringIO()
    call_command("audit_reroot", stdout=output)
    assert "Nothing to do: no event of leaf version 1 is left; the log is in epoch 2" in (
        output.getvalue()
    )
    assert list(TreeHead.objects.values_list("epoch", "tree_size", "root_hash")) == heads
    assert {p: p.read_bytes() for p in witness.directory.rglob("*") if p.is_file()} == files
    assert TransitionHead.objects.count() == 1


def test_it_has_nothing_to_do_for_a_log_that_never_had_version_1_events(db):
    log_events(3)
    seal()
    output = StringIO()
    call_command("audit_reroot", stdout=output)
    assert "Nothing to do" in output.getvalue()
    assert not TreeHead.objects.filter(epoch=2).exists()


def test_it_finishes_a_witness_copy_that_failed(old_log, witness, monkeypatch):
    monkeypatch.setattr("audit.sealing.reroot.witness_catch_up", lambda **_: 0)
    audit_reroot()
    assert witness.transitions() == []
    monkeypatch.undo()
    assert audit_reroot().status == NOTHING_TO_DO
    assert len(witness.transitions()) == 1
    assert audit_verify().ok


def test_it_lets_no_head_be_written_to_an_epoch_that_has_ended(old_log):
    audit_reroot()
    fields = {name: None for name in ("root_hash", "previous_root_hash", "sealed_at", "key_id")}
    fields.update(epoch=1, tree_size=7, previous_tree_size=6, first_event_id=7, last_event_id=7)
    fields.update(sealed_through_id=7, signature=b"", frontier=b"", event_ids=b"", leaf_hashes=b"")
    with pytest.raises(DatabaseError, match="no head may be written to epoch 1"):
        with transaction.atomic(), connection.cursor() as cursor:
            head_insert(cursor, signing_key(), fields)


def test_it_does_not_let_the_app_role_reencode_events(old_log, app_role):
    with pytest.raises(DatabaseError, match="permission denied for function cp_audit_reencode"):
        run_sql("SELECT cp_audit_reencode(sha256('guess'))", role=app_role)
    assert AccessEvent.objects.get(pk=old_log[0]).leaf_version == 1


def test_it_refuses_to_reroot_as_the_app_role(old_log, app_role):
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(app_role)}")
        with pytest.raises(RerootRefused, match="Re-rooting is the owner's"):
            audit_reroot()


def test_it_does_not_let_the_owner_reencode_without_the_sealers_proof(old_log):
    with pytest.raises(DatabaseError, match="only the audit sealer"):
        run_sql("SELECT cp_audit_reencode(sha256('guess'))")


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO audit_treehead (epoch, tree_size, root_hash, previous_tree_size, "
        "previous_root_hash, first_event_id, last_event_id, sealed_through_id, sealed_at, "
        "key_id, signature, frontier, event_ids, leaf_hashes) "
        "VALUES (2, 6, '', 0, '', 1, 6, 6, now(), 'x', '', '', '', '')",
        "SELECT cp_audit_head_insert(sha256('guess'), 2, 6, '', 0, '', 1, 6, 6, now(), 'x', '', "
        "'', '', '')",
        "INSERT INTO audit_transitionhead VALUES (2, 6, '', 6, '', 6, 4, '', now(), 'x', '')",
    ],
)
def test_it_does_not_let_the_app_role_write_an_epoch_2_head(old_log, app_role, sql):
    with pytest.raises(DatabaseError, match="permission denied|only the audit sealer"):
        run_sql(sql, role=app_role)


@pytest.mark.parametrize(
    "change",
    [
        "leaf_version = 2, personal_salt = sha256('s'), personal_digest = sha256('d'), "
        "actor_username = 'mallory'",
        "leaf_version = 2, personal_salt = sha256('s'), personal_digest = sha256('d'), "
        "criteria = '{}'",
        "leaf_version = 2, personal_salt = sha256('s')",
        "leaf_version = 2, personal_salt = 'short', personal_digest = sha256('d')",
        "personal_salt = sha256('s'), personal_digest = sha256('d')",
    ],
)
def test_it_refuses_any_other_change_with_the_rerooting_switch_on(old_log, change):
    update = f"UPDATE audit_accessevent SET {change} WHERE id = %s"  # noqa: S608 - fixed cases
    with pytest.raises(DatabaseError, match="append-only"):
        run_sql(
            f"SELECT set_config('contactpoint.audit_reroot', 'on', true); {update}", [old_log[0]]
        )


def test_it_refuses_rerooting_a_version_2_event_with_the_switch_on(old_log):
    update = "UPDATE audit_accessevent SET personal_salt = sha256('s') WHERE id = %s"
    with pytest.raises(DatabaseError, match="append-only"):
        run_sql(
            f"SELECT set_config('contactpoint.audit_reroot', 'on', true); {update}", [old_log[5]]
        )


def test_it_allows_the_owner_exactly_the_reencoding_with_the_switch_on(old_log):
    run_sql(
        "SELECT set_config('contactpoint.audit_reroot', 'on', true); UPDATE audit_accessevent"
        " SET leaf_version = 2, personal_salt = sha256('s'), personal_digest = sha256('d')"
        " WHERE id = %s",
        [old_log[0]],
    )
    assert AccessEvent.objects.get(pk=old_log[0]).leaf_version == 2


@pytest.fixture
def sealer_session(transactional_db):
    """A second session holding the sealer's lock, as a sealing round in progress does."""
    session = second_session()
    yield session
    session.close()


def _hold_the_sealers_lock(session) -> None:
    import hashlib

    cursor = session.cursor()
    cursor.execute("SELECT pg_current_xact_id()::text")
    response = hashlib.sha256(seal_lock_secret(signing_key()) + cursor.fetchone()[0].encode())
    cursor.execute("SELECT cp_audit_seal_lock(%s)", [response.digest()])
    assert cursor.fetchone()[0]


def test_it_waits_for_a_sealing_round_and_refuses_when_it_does_not_end(sealer_session):
    log_version_1_events(2, criteria=CRITERIA)
    seal()
    _hold_the_sealers_lock(sealer_session)
    with pytest.raises(RerootRefused, match="The sealer held its lock"):
        audit_reroot(lock_wait_seconds=0.3)
    sealer_session.rollback()
    assert AccessEvent.objects.filter(leaf_version=1).count() == 2
    assert audit_reroot().status == REROOTED


@pytest.mark.parametrize("rerooted", [True, False])
def test_a_destroyed_childs_details_leave_a_dump_only_of_a_rerooted_log(
    transactional_db, world, rerooted
):
    """Done when (issue 13): once the log is re-rooted, destroying a record leaves no name, date
    of birth or postcode of the child in a pg_dump, even those typed before leaf version 2;
    without re-rooting, version 1 events keep them."""
    child = ChildFactory(
        given_name="Zebedee", family_name="Quillfeather", date_of_birth=date(2008, 5, 4),
        postcode="LS9 9ZZ", address_line_1="7 Wyvern Close", local_authority=world.leeds,
    )  # fmt: skip
    criteria = {"family_name": "Quillfeather", "given_name": "Zebedee", "postcode": "LS9 9ZZ"}
    criteria["date_of_birth"] = "2008-05-04"
    reason = "Zebedee's mother rang from 7 Wyvern Close"
    log_version_1_events(1, criteria=criteria, reason=reason, result_ids=[child.public_id])
    log_version_1_events(1, criteria={"postcode": "LS9 9ZZ"}, child_public_id=child.public_id)
    seal()
    if rerooted:
        call_command("audit_reroot", stdout=StringIO())

    retention("2026-05-04")
    assert "1 destroyed" in retention("2032-05-04")
    audit_seal(wait_seconds=1.0)

    report = audit_verify()
    assert report.ok, report.problems
    dump = _dump()
    for detail in ("quillfeather", "zebedee", "ls9 9zz", "wyvern", "2008-05-04"):
        assert (detail in dump) is not rerooted, detail
