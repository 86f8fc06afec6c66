"""The lookup log is partitioned by month, and stays append-only and sealable across moves.

Partitions are named by the UTC month. "This month" is the database server's: it creates them,
and a test's pinned clock cannot move it, so these tests ask it, or name the instant."""

from datetime import UTC, datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from audit.models import AccessEvent
from audit.partitions import audit_partitions_ensure
from audit.sealing.verification import audit_verify

from .conftest import log_events, seal


def _partition_of(event_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM audit_accessevent WHERE id = %s", [event_id]
        )
        return cursor.fetchone()[0]


def _insert_at(moment: datetime) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_accessevent (occurred_at, action, outcome, actor_username, "
            "actor_role, purpose, criteria, result_ids, child_public_id, reason, user_agent) "
            "VALUES (%s, 'search', 'shown', 'alice', '', '', '{}', '{}', '', '', '') RETURNING id",
            [moment],
        )
        return cursor.fetchone()[0]


def _run(sql: str, role: str | None = None) -> None:
    """As in production: retention switch off, optionally as ``role``, in a savepoint."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL contactpoint.audit_retention = 'off'")
        if role:
            cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(role)}")
        cursor.execute(sql)


def _partition_for(moment: datetime) -> str:
    return f"audit_accessevent_p{moment.astimezone(UTC):%Y_%m}"


def _this_months_partition() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        return _partition_for(cursor.fetchone()[0])


def _partition_of_its_month(event_id: int) -> str:
    return _partition_for(AccessEvent.objects.get(pk=event_id).occurred_at)


def _partitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT inhrelid::regclass::text FROM pg_inherits "
            "WHERE inhparent = 'audit_accessevent'::regclass"
        )
        return {name for (name,) in cursor.fetchall()}


def _months(start: datetime, count: int) -> list[datetime]:
    """The first instant of each of ``count`` UTC months from ``start``'s."""
    utc = start.astimezone(UTC)
    return [
        datetime(utc.year + (utc.month - 1 + n) // 12, (utc.month - 1 + n) % 12 + 1, 1, tzinfo=UTC)
        for n in range(count)
    ]


def test_it_files_an_event_in_its_months_partition(db):
    [event_id] = log_events(1)
    assert _partition_of(event_id) == _partition_of_its_month(event_id)


def test_it_catches_an_event_from_a_month_without_a_partition(db):
    event_id = _insert_at(datetime(2041, 1, 15, tzinfo=UTC))
    assert _partition_of(event_id) == "audit_accessevent_default"


def test_it_moves_caught_events_into_their_new_partition_keeping_their_seal(db):
    caught = _insert_at(datetime(2041, 1, 15, tzinfo=UTC))
    seal()
    with connection.cursor() as cursor:
        cursor.execute("SELECT cp_audit_partitions_ensure('2041-01-10', '2041-01-20')")
    assert _partition_of(caught) == "audit_accessevent_p2041_01"
    assert audit_verify().ok


def test_it_creates_partitions_months_ahead_of_the_databases_clock(db):
    audit_partitions_ensure(months_ahead=3)
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        now = cursor.fetchone()[0]
    assert {_partition_for(month) for month in _months(now, 4)} <= _partitions()


@pytest.mark.calendar
def test_it_creates_the_month_of_a_given_instant_and_the_three_after_it(db, clock):
    audit_partitions_ensure(months_ahead=3, now=clock)
    assert {_partition_for(month) for month in _months(clock, 4)} <= _partitions()


def test_it_indexes_events_by_actor_over_time_and_by_child(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s", [_this_months_partition()]
        )
        definitions = " ".join(row[0] for row in cursor.fetchall())
    assert "(actor_id, occurred_at)" in definitions
    assert "(child_public_id, occurred_at)" in definitions


def test_it_lets_the_app_role_create_partitions(app_role):
    _run("SELECT cp_audit_partitions_ensure('2042-03-01', '2042-03-01')", role=app_role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('audit_accessevent_p2042_03') IS NOT NULL")
        assert cursor.fetchone()[0]


@pytest.mark.parametrize("verb", ["UPDATE {} SET reason = 'x'", "DELETE FROM {}", "TRUNCATE {}"])
def test_it_denies_the_app_role_any_change_to_a_partition(app_role, verb):
    log_events(1)
    with pytest.raises(DatabaseError, match="permission denied"):
        _run(verb.format(_this_months_partition()), role=app_role)


def test_it_refuses_to_truncate_a_partition_even_for_the_owner(db):
    log_events(1)
    with pytest.raises(DatabaseError, match="append-only"):
        _run(f"TRUNCATE {_this_months_partition()}")


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_rows_ids_and_sequence_of_an_unpartitioned_log():
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0002_append_only")])
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO audit_accessevent (occurred_at, action, outcome, actor_username, "
                "actor_role, purpose, criteria, result_ids, child_public_id, reason, user_agent)"
                " SELECT now() - make_interval(days => n), 'view', 'shown', 'old' || n, '', '',"
                " '{}', '{}', '', '', '' FROM generate_series(1, 40) AS n"
            )
            cursor.execute("SELECT array_agg(id ORDER BY id) FROM audit_accessevent")
            (old_ids,) = cursor.fetchone()
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    kept = AccessEvent.objects.filter(actor_username__startswith="old").order_by("id")
    assert list(kept.values_list("id", flat=True)) == old_ids
    [new] = log_events(1)
    assert new > old_ids[-1]
    assert _partition_of(new) == _partition_of_its_month(new)
