"""The sealed log forgets personal data and still verifies (issue 13, leaf version 2).

Events written since migration 0013 seal a salted digest of their criteria and reason instead
of them; forgetting empties both and deletes the salt through ``cp_audit_forget``, the one
change the append-only trigger allows. The test settings turn the owner's retention switch on
(so that tables can be flushed); every test here turns it off, as in production, so that
forgetting goes through its own exception and nothing else.
"""

import json
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.forgetting import ForgetResult, audit_forget, audit_forget_children
from audit.models import AccessEvent
from audit.sealing.canonical import SELECT_COLUMNS, event_bytes, personal_bytes, personal_digest
from audit.sealing.verification import audit_verify
from audit.writer import PastEvent, access_event_record, access_events_load_synthetic

from .conftest import ALICE, log_events, log_version_1_events, run_sql, seal, tamper

MAYA = "maya0000000000000000001"
OTHER = "other000000000000000002"
CRITERIA = {"family_name": "Okonkwo", "given_name": "Maya", "date_of_birth": "2014-02-09"}
REASON = "Mother rang about Maya Okonkwo of LS6 2AB"


@pytest.fixture(autouse=True)
def retention_switch_off(db):
    """As in production: the owner's blanket retention switch is off (undone with the test's
    transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SET contactpoint.audit_retention = 'off'")


def _search(**fields) -> int:
    """A search for Maya, written by the one writer (leaf version 2)."""
    values = {"criteria": CRITERIA, "reason": REASON, "result_ids": [MAYA], **fields}
    with transaction.atomic():
        event = access_event_record(
            actor=ALICE, action="search", outcome="shown", purpose="referral", **values
        )
    return event.pk


def _version_1_search() -> int:
    """A search as written before migration 0013: criteria and reason inside the leaf."""
    [event_id] = log_version_1_events(1, criteria=CRITERIA, reason=REASON, result_ids=[MAYA])
    return event_id


def _row(event_id: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {SELECT_COLUMNS} FROM audit_accessevent WHERE id = %s",  # noqa: S608
            [event_id],
        )
        return cursor.fetchone()


def _verified() -> None:
    report = audit_verify()
    assert report.ok, report.problems


def test_it_leaves_criteria_and_reason_out_of_a_new_events_leaf(db):
    leaf = event_bytes(_row(_search()))
    assert b"Okonkwo" not in leaf and b"LS6" not in leaf
    fields = json.loads(leaf)
    assert fields["v"] == 2
    assert "criteria" not in fields and "reason" not in fields
    assert fields["result_ids"] == [MAYA]


def test_it_seals_a_salted_digest_of_criteria_and_reason(db):
    event = AccessEvent.objects.get(pk=_search())
    salt = bytes(event.personal_salt)
    assert len(salt) == 32
    assert bytes(event.personal_digest) == personal_digest(salt, CRITERIA, REASON)
    assert json.loads(event_bytes(_row(event.pk)))["personal_digest"] == (
        bytes(event.personal_digest).hex()
    )


def test_it_gives_each_event_a_salt_of_its_own(db):
    first, second = (AccessEvent.objects.get(pk=_search()) for _ in range(2))
    assert bytes(first.personal_salt) != bytes(second.personal_salt)
    assert bytes(first.personal_digest) != bytes(second.personal_digest)


def test_it_seals_and_verifies_a_log_of_both_leaf_versions(db):
    old = [_version_1_search(), _version_1_search()]
    seal()
    new = [_search(), _version_1_search(), _search()]
    seal()
    versions = dict(AccessEvent.objects.values_list("id", "leaf_version"))
    assert [versions[i] for i in old + new] == [1, 1, 2, 1, 2]
    assert b"Okonkwo" in event_bytes(_row(old[0]))
    _verified()


def test_it_still_verifies_after_forgetting(db):
    event_id = _search(child_public_id=MAYA)
    seal()
    before = AccessEvent.objects.get(pk=event_id)
    assert audit_forget(event_ids=[event_id]) == ForgetResult(forgotten=1, kept_version_1=0)
    _verified()
    after = AccessEvent.objects.get(pk=event_id)
    assert (after.criteria, after.reason, after.personal_salt) == ({}, "", None)
    kept = ("occurred_at", "actor_id", "actor_username", "organisation_id", "action", "outcome")
    kept += ("purpose", "child_public_id", "result_ids", "ip_address", "user_agent")
    assert [getattr(after, name) for name in kept] == [getattr(before, name) for name in kept]
    assert bytes(after.personal_digest) == bytes(before.personal_digest)


def test_it_verifies_an_event_forgotten_before_it_was_sealed(db):
    event_id = _search()
    audit_forget(event_ids=[event_id])
    seal()
    _verified()


def test_it_forgets_idempotently(db):
    ids = [_search(), _search()]
    seal()
    assert audit_forget(event_ids=ids).forgotten == 2
    assert audit_forget(event_ids=ids).forgotten == 0
    _verified()


def test_it_detects_changed_criteria_of_an_event_not_forgotten(db):
    event_id = _search()
    seal()
    tamper(
        'UPDATE audit_accessevent SET criteria = \'{"family_name": "Smith"}\' WHERE id = %s',
        [event_id],
    )
    assert [str(p) for p in audit_verify().problems] == [
        f"event {event_id}: has changed since it was sealed"
    ]


@pytest.mark.parametrize("version", [1, 3])
def test_it_detects_a_changed_leaf_version(db, version):
    event_id = _search()
    seal()
    tamper("UPDATE audit_accessevent SET leaf_version = %s WHERE id = %s", [version, event_id])
    assert [str(p) for p in audit_verify().problems] == [
        f"event {event_id}: has changed since it was sealed"
    ]


def test_it_detects_a_deleted_salt_beside_kept_personal_data(db):
    event_id = _search()
    seal()
    tamper("UPDATE audit_accessevent SET personal_salt = NULL WHERE id = %s", [event_id])
    assert [str(p) for p in audit_verify().problems] == [
        f"event {event_id}: has lost its salt but still holds personal data"
    ]


def test_it_detects_a_forgotten_events_digest_changed(db):
    event_id = _search()
    seal()
    audit_forget(event_ids=[event_id])
    tamper("UPDATE audit_accessevent SET personal_digest = sha256('x') WHERE id = %s", [event_id])
    assert [str(p) for p in audit_verify().problems] == [
        f"event {event_id}: has changed since it was sealed"
    ]


def test_it_keeps_a_version_1_event_as_it_is(db):
    old, new = _version_1_search(), _search()
    seal()
    assert audit_forget(event_ids=[old, new]) == ForgetResult(forgotten=1, kept_version_1=1)
    assert AccessEvent.objects.get(pk=old).criteria == CRITERIA
    _verified()


def test_it_denies_the_app_role_updating_criteria_directly(app_role):
    event_id = _search()
    with pytest.raises(DatabaseError, match="permission denied"):
        run_sql(
            "UPDATE audit_accessevent SET criteria = '{}', reason = '', personal_salt = NULL"
            " WHERE id = %s",
            [event_id],
            role=app_role,
        )
    assert AccessEvent.objects.get(pk=event_id).criteria == CRITERIA


def test_it_lets_the_app_role_forget_only_version_2_events(app_role):
    old, new = _version_1_search(), _search()
    [(forgotten, kept)] = run_sql(
        "SELECT * FROM cp_audit_forget(%s::bigint[])", [[old, new]], role=app_role
    )
    assert (forgotten, kept) == (1, 1)
    assert AccessEvent.objects.get(pk=old).criteria == CRITERIA
    assert AccessEvent.objects.get(pk=new).criteria == {}


@pytest.mark.parametrize(
    "change",
    [
        "criteria = '{}', reason = '', personal_salt = NULL, actor_username = 'mallory'",
        "criteria = '{\"family_name\": \"Smith\"}', reason = '', personal_salt = NULL",
        "criteria = '{}', reason = ''",
        "personal_digest = NULL",
    ],
)
def test_it_refuses_any_other_change_with_the_forgetting_switch_on(db, change):
    event_id = _search()
    update = f"UPDATE audit_accessevent SET {change} WHERE id = %s"  # noqa: S608 - fixed cases
    with pytest.raises(DatabaseError, match="append-only"):
        run_sql(f"SELECT set_config('contactpoint.audit_forget', 'on', true); {update}", [event_id])


def test_it_refuses_forgetting_a_version_1_event_with_the_switch_on(db):
    event_id = _version_1_search()
    with pytest.raises(DatabaseError, match="append-only"):
        run_sql(
            "SELECT set_config('contactpoint.audit_forget', 'on', true);"
            "UPDATE audit_accessevent SET criteria = '{}', reason = '', personal_salt = NULL"
            " WHERE id = %s",
            [event_id],
        )


def test_it_leaves_the_forgetting_switch_off_after_forgetting(db):
    audit_forget(event_ids=[_search()])
    assert run_sql("SELECT current_setting('contactpoint.audit_forget', true)") in (
        [("",)],
        [(None,)],
    )


def test_it_forgets_the_events_naming_a_child_and_no_others(db):
    viewed = _search(child_public_id=MAYA, result_ids=[])
    found = _search(result_ids=[OTHER, MAYA])
    other = _search(result_ids=[OTHER])
    seal()
    assert audit_forget_children(public_ids=[MAYA]).forgotten == 2
    criteria = dict(AccessEvent.objects.values_list("id", "criteria"))
    assert (criteria[viewed], criteria[found], criteria[other]) == ({}, {}, CRITERIA)
    _verified()


def test_it_digests_criteria_as_postgresql_gives_them_back(db):
    log_events(1)
    _search(criteria={"count": 10**20, "large": 1e16, "small": 1e-7, "pair": (1, 2)})
    seal()
    _verified()


def test_it_writes_synthetic_history_as_version_2(db):
    access_events_load_synthetic(
        [
            PastEvent(
                occurred_at=timezone.now() - timedelta(minutes=1),
                actor=ALICE,
                action="search",
                outcome="shown",
                criteria=CRITERIA,
                reason=REASON,
                result_ids=(MAYA,),
            )
        ]
    )
    seal()
    audit_forget_children(public_ids=[MAYA])
    event = AccessEvent.objects.get()
    assert (event.leaf_version, event.criteria, event.reason) == (2, {}, "")
    _verified()


def test_it_documents_the_personal_bytes_exactly():
    assert personal_bytes({"given_name": "Zoë", "family_name": "Ng"}, "rang") == (
        b'{"criteria":{"family_name":"Ng","given_name":"Zo\\u00eb"},"reason":"rang"}'
    )


def test_it_reaches_searches_that_typed_the_child_but_showed_no_one_still_held(db):
    """Issue 13: a search that found nobody names the destroyed child only in its criteria;
    one that also showed another child, still held, keeps them (that child's trail)."""
    from audit.selectors import access_event_ids_searching_for

    def search(family: str, dob: str, results: list[str]) -> int:
        with transaction.atomic():
            return access_event_record(
                actor=ALICE,
                action="search",
                outcome="shown" if results else "not_found",
                criteria={"family_name": family, "date_of_birth": dob},
                result_ids=results,
            ).pk

    found_nobody = search(" quillFEATHER ", "2008-05-04", [])
    found_them = search("Quillfeather", "2008-05-04", ["gone000000000000000000000a"])
    found_another = search("Quillfeather", "2008-05-04", ["held000000000000000000000b"])
    other_family = search("Quill", "2008-05-04", [])
    other_date = search("Quillfeather", "2008-05-05", [])
    ids = access_event_ids_searching_for(
        children=[("gone000000000000000000000a", "Quillfeather", "2008-05-04")],
        destroyed_ids=["gone000000000000000000000a"],
    )
    assert ids == [found_nobody, found_them]
    assert not {found_another, other_family, other_date} & set(ids)
