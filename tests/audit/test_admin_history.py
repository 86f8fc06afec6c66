"""The admin change history (django-auditlog) is append-only and sealed (issue 14: "admin
history that cannot be quietly edited").

On main before this change the application's role could UPDATE and DELETE
``auditlog_logentry`` and nothing sealed it: an insider editing who changed a reader's e-mail
went unnoticed. Each test below failed there.
"""

import json

import pytest
from auditlog.models import LogEntry
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.admin_history import admin_history_problems
from audit.models import AccessEvent
from audit.sealing.verification import audit_verify

from ..access.admin_forms import user_form
from .conftest import seal
from .test_append_only import _run


@pytest.fixture
def history(world, as_user):
    """An admin's change to bob's job title, made in Django admin, then sealed."""
    client = as_user(world.ada)
    url = reverse("admin:access_user_change", args=[world.bob.pk])
    response = client.post(url, user_form(world.bob, job_title="Head of year 6"))
    assert response.status_code == 302
    entry = LogEntry.objects.filter(object_pk=str(world.bob.pk)).latest("pk")
    seal()
    return entry


def test_the_entry_names_who_made_the_change_and_from_where(history, world):
    """``audit.admin_history.AdminHistoryActorMiddleware`` hands auditlog the request's
    actor and address; a change saved outside any request names nobody."""
    assert history.actor_id == world.ada.pk
    assert history.remote_addr == "127.0.0.1"
    world.bob.job_title = "Deputy head"
    world.bob.save()
    assert LogEntry.objects.filter(object_pk=str(world.bob.pk)).latest("pk").actor_id is None


def _tamper(sql: str, params: list) -> None:
    """What a superuser can do: the append-only trigger disabled, then the row changed."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL contactpoint.audit_retention = 'off'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE auditlog_logentry DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE auditlog_logentry ENABLE TRIGGER USER")


def test_it_seals_each_admin_change_through_its_own_event(history, world):
    event = AccessEvent.objects.get(action="admin_change", criteria__log_entry=history.pk)
    assert event.actor_username == "ada"
    assert len(event.criteria["digest"]) == 64
    report = audit_verify()
    assert report.ok, report.problems
    assert report.admin_history_entries_unsealed == 0


def test_it_names_an_entry_edited_after_sealing(history):
    changes = json.dumps({"job_title": ["Teacher", "Someone else did it"]})
    _tamper("UPDATE auditlog_logentry SET changes = %s WHERE id = %s", [changes, history.pk])
    problems = [str(p) for p in audit_verify().problems]
    assert f"admin history entry {history.pk}: changed since it was sealed" in problems


def test_it_names_an_entry_deleted_after_sealing(history):
    _tamper("DELETE FROM auditlog_logentry WHERE id = %s", [history.pk])
    problems = [str(p) for p in audit_verify().problems]
    assert f"admin history entry {history.pk}: sealed but missing" in problems


def test_it_names_an_entry_slipped_in_without_its_event(history):
    _tamper(
        "INSERT INTO auditlog_logentry (content_type_id, object_pk, object_id, object_repr, "
        "action, changes, changes_text, timestamp, additional_data, serialized_data, cid) "
        "SELECT content_type_id, object_pk, object_id, object_repr, action, changes, "
        "changes_text, timestamp - interval '1 day', additional_data, serialized_data, cid "
        "FROM auditlog_logentry WHERE id = %s",
        [history.pk],
    )
    later = LogEntry.objects.create(
        content_type_id=history.content_type_id,
        object_pk=history.object_pk,
        object_repr=history.object_repr,
        action=history.action,
        changes={},
    )
    seal()
    problems, _unsealed = admin_history_problems(sealed_through_id=10**12)
    assert [subject for subject, _ in problems] == [f"admin history entry {later.pk - 1}"]


def test_it_counts_entries_written_since_the_last_seal_as_unsealed(history, world):
    LogEntry.objects.log_create(world.bob, action=LogEntry.Action.UPDATE, changes={"x": [1, 2]})
    _problems, unsealed = admin_history_problems(sealed_through_id=0)
    assert unsealed >= 1


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE auditlog_logentry SET object_repr = 'mallory'",
        "DELETE FROM auditlog_logentry",
        "TRUNCATE auditlog_logentry",
    ],
)
def test_it_refuses_changes_to_the_history_whoever_connects(history, app_role, sql):  # noqa: F811
    for role in (None, app_role):
        with pytest.raises(DatabaseError):
            _run(sql, role=role)
    assert LogEntry.objects.filter(pk=history.pk).exists()


def test_it_lets_the_application_role_append(history, app_role):  # noqa: F811
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(app_role)}")
        cursor.execute(
            "INSERT INTO auditlog_logentry (content_type_id, object_pk, object_repr, action, "
            "changes_text, timestamp, cid) SELECT content_type_id, object_pk, object_repr, "
            "action, '', now(), cid FROM auditlog_logentry WHERE id = %s",
            [history.pk],
        )
