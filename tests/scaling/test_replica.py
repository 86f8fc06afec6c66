"""Read replica (issue 6): searches and record views read a streaming replica that has caught
up with the primary; their audit events are committed on the primary before anything is
shown; a replica that lags, is down or is not a standby is not used.

The pair is real (``conftest.py``): PostgreSQL 18, pg_basebackup, hot standby, streaming.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test.utils import CaptureQueriesContext

from access.gateway.replica import REPLICA_ALIAS, read_alias
from audit.models import AccessEvent
from contactpoint.stack_common import free_port
from directory.models import Child
from tests.factories import ChildFactory, InvolvementFactory

SEARCH = {"family_name": "Thompson", "purpose": "referral"}


@pytest.fixture(autouse=True)
def _patient_fence(settings):
    """Each request follows writes on the primary (the login, the session); on a busy test
    machine the replica may take longer than the default 20 ms to replay them. Tests of a
    lagging replica set a short wait themselves."""
    settings.DATABASE_REPLICA_WAIT_MS = 5000


def _record_url(child) -> str:
    return f"/children/{child.public_id}/?purpose=referral"


@contextmanager
def primary_cannot_read_children() -> Iterator[None]:
    """Take SELECT on children from the role Django uses on the primary. The replica is read
    as the application role, which keeps it: a page that still shows a child read it there."""
    with connection.cursor() as cursor:
        cursor.execute("REVOKE SELECT ON directory_child FROM CURRENT_USER")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("GRANT SELECT ON directory_child TO CURRENT_USER")


@contextmanager
def audit_broken() -> Iterator[None]:
    """Every insert into the log fails on the primary, as a full disk would make it."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION test_refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'audit storage unavailable'; END $$;
            CREATE TRIGGER test_refuse_insert BEFORE INSERT ON audit_accessevent
            FOR EACH ROW EXECUTE FUNCTION test_refuse_insert();
            """
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TRIGGER test_refuse_insert ON audit_accessevent; "
                "DROP FUNCTION test_refuse_insert()"
            )


@contextmanager
def replay_paused(pair) -> Iterator[None]:
    """The replica stops applying the primary's WAL: a replica lagging behind."""
    pair.replay_pause()
    try:
        yield
    finally:
        pair.replay_resume()
        pair.wait_caught_up()


def _replica_answers(sql: str, params: list) -> tuple:
    with connections[REPLICA_ALIAS].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def test_it_reads_search_results_from_the_replica(replicated, as_user):
    client = as_user(replicated.alice)
    with primary_cannot_read_children():
        response = client.get("/search/", SEARCH)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Maya" in body and "Oliver" not in body
    assert _replica_answers("SELECT pg_is_in_recovery()", []) == (True,)


def test_it_reads_the_record_from_the_replica(replicated, as_user):
    client = as_user(replicated.alice)
    with primary_cannot_read_children():
        response = client.get(_record_url(replicated.maya))
    assert response.status_code == 200
    assert "12 Orchard Way" in response.content.decode()


def test_it_commits_the_search_event_on_the_primary(replicated, as_user):
    client = as_user(replicated.alice)
    before = AccessEvent.objects.using(DEFAULT_DB_ALIAS).count()
    with primary_cannot_read_children():
        client.get("/search/", SEARCH)
    event = AccessEvent.objects.using(DEFAULT_DB_ALIAS).latest("id")
    assert AccessEvent.objects.using(DEFAULT_DB_ALIAS).count() == before + 1
    assert (event.action, event.result_ids) == ("search", [replicated.maya.public_id])


def test_it_commits_the_view_event_on_the_primary(replicated, as_user):
    with primary_cannot_read_children():
        as_user(replicated.alice).get(_record_url(replicated.maya))
    event = AccessEvent.objects.using(DEFAULT_DB_ALIAS).latest("id")
    assert (event.action, event.outcome) == ("view", "shown")
    assert event.child_public_id == replicated.maya.public_id


def test_it_shows_no_search_results_when_the_audit_write_fails(replicated, as_user):
    client = as_user(replicated.alice)
    with CaptureQueriesContext(connections[REPLICA_ALIAS]) as on_replica, audit_broken():
        response = client.get("/search/", SEARCH)
    assert any("directory_child" in query["sql"] for query in on_replica)
    assert response.status_code == 503
    assert b"Maya" not in response.content


def test_it_shows_no_record_when_the_audit_write_fails(replicated, as_user):
    client = as_user(replicated.alice)
    with CaptureQueriesContext(connections[REPLICA_ALIAS]) as on_replica, audit_broken():
        response = client.get(_record_url(replicated.maya))
    assert any("directory_child" in query["sql"] for query in on_replica)
    assert response.status_code == 503
    assert b"Orchard" not in response.content and b"Maya" not in response.content


def test_it_hides_a_newly_shielded_address_that_the_replica_has_not_replayed(
    replicated, as_user, settings
):
    settings.DATABASE_REPLICA_WAIT_MS = 50
    maya = replicated.maya
    client = as_user(replicated.alice)
    with replay_paused(replicated.pair):
        Child.objects.filter(pk=maya.pk).update(shielded=True)
        try:
            stale = _replica_answers(
                "SELECT shielded FROM directory_child WHERE id = %s", [maya.pk]
            )
            response = client.get(_record_url(maya))
        finally:
            Child.objects.filter(pk=maya.pk).update(shielded=False)
    assert stale == (False,)
    assert response.status_code == 200
    assert "Maya" in response.content.decode()
    assert "12 Orchard Way" not in response.content.decode()


def test_it_finds_a_child_whose_involvement_the_replica_has_not_replayed(
    replicated, as_user, settings
):
    settings.DATABASE_REPLICA_WAIT_MS = 50
    client = as_user(replicated.alice)
    with replay_paused(replicated.pair):
        noah = ChildFactory(
            given_name="Noah", family_name="Thompson", local_authority=replicated.leeds
        )
        InvolvementFactory(child=noah, organisation=replicated.school_a)
        response = client.get("/search/", SEARCH)
    assert response.status_code == 200
    assert "Noah" in response.content.decode()


def test_it_reads_the_primary_when_the_replica_is_down(replicated):
    with _replica_port(free_port()):
        assert read_alias() == DEFAULT_DB_ALIAS


def test_it_reads_the_primary_when_the_replica_url_is_not_a_standby(replicated):
    with _replica_port(replicated.pair.primary.port):
        assert read_alias() == DEFAULT_DB_ALIAS


def test_it_reads_the_replica_when_it_has_caught_up(replicated):
    replicated.pair.wait_caught_up()
    assert read_alias() == REPLICA_ALIAS


@contextmanager
def _replica_port(port: int) -> Iterator[None]:
    replica = connections[REPLICA_ALIAS]
    replica.close()
    saved = replica.settings_dict["PORT"]
    replica.settings_dict["PORT"] = port
    try:
        yield
    finally:
        replica.close()
        replica.settings_dict["PORT"] = saved
