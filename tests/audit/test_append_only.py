"""The lookup log is append-only in the database, whoever connects."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AccessEvent
from audit.writer import Actor, access_event_record

ACTOR = Actor(
    user_id=1,
    username="alice",
    role="practitioner",
    organisation_id=1,
    ip_address="127.0.0.1",
    user_agent="pytest",
)


@pytest.fixture
def event(db):
    with transaction.atomic():
        return access_event_record(actor=ACTOR, action="search", outcome="shown")


def _run(sql: str, role: str | None = None) -> None:
    """Run ``sql`` with the retention switch off (as in production) and optionally as
    ``role``, inside a savepoint so the failure does not poison the test transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL contactpoint.audit_retention = 'off'")
        if role:
            cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(role)}")
        cursor.execute(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_accessevent SET actor_username = 'mallory'",
        "DELETE FROM audit_accessevent",
        "TRUNCATE audit_accessevent",
    ],
)
def test_it_refuses_changes_even_from_the_table_owner(event, sql):
    with pytest.raises(DatabaseError, match="append-only"):
        _run(sql)
    assert AccessEvent.objects.get().actor_username == "alice"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_accessevent SET actor_username = 'mallory'",
        "DELETE FROM audit_accessevent",
        "TRUNCATE audit_accessevent",
    ],
)
def test_it_denies_the_app_role_the_privilege_to_change_the_log(event, app_role, sql):
    with pytest.raises(DatabaseError, match="permission denied"):
        _run(sql, role=app_role)


def test_it_lets_the_app_role_append_and_read(event, app_role):
    _run(
        "INSERT INTO audit_accessevent (occurred_at, action, outcome, actor_username, "
        "actor_role, purpose, criteria, result_ids, child_public_id, reason, user_agent) "
        "VALUES (now(), 'search', 'shown', 'bob', '', '', '{}', '{}', '', '', '')",
        role=app_role,
    )
    assert AccessEvent.objects.count() == 2


def test_it_refuses_to_write_an_event_outside_a_transaction(transactional_db):
    with pytest.raises(RuntimeError):
        access_event_record(actor=ACTOR, action="search", outcome="shown")


@pytest.fixture
def head(event, witness):
    from audit.sealing.sealer import audit_seal

    return audit_seal().head


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_treehead SET root_hash = '\\x00'",
        "DELETE FROM audit_treehead",
        "TRUNCATE audit_treehead",
    ],
)
def test_it_refuses_changes_to_signed_heads_even_from_the_table_owner(head, sql):
    with pytest.raises(DatabaseError, match="append-only"):
        _run(sql)


@pytest.mark.parametrize(
    "sql", ["UPDATE audit_treehead SET key_id = 'x'", "DELETE FROM audit_treehead"]
)
def test_it_denies_the_app_role_the_privilege_to_change_signed_heads(head, app_role, sql):
    with pytest.raises(DatabaseError, match="permission denied"):
        _run(sql, role=app_role)
