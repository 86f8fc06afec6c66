"""The audit INSERT sends each value exactly as its field would prepare it (``audit.writer``)."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.utils.translation import gettext_lazy

from audit.models import AccessEvent
from audit.writer import _db_values, _insert_fields, _insert_statement


def _event(**changes):
    values = {
        "occurred_at": datetime(2026, 12, 6, 17, 0, tzinfo=UTC),
        "actor_id": 7,
        "actor_username": "alice",
        "actor_role": "teacher",
        "organisation_id": None,
        "action": AccessEvent.Action.VIEW,
        "outcome": AccessEvent.Outcome.SHOWN,
        "purpose": "current_involvement",
        "criteria": {"family_name": "O'Neill", "date_of_birth": "2015-03-01"},
        "result_ids": ["a" * 26, "b" * 26],
        "child_public_id": "c" * 26,
        "reason": "",
        "ip_address": "2001:db8:0:0:0:0:0:1",
        "user_agent": "Mozilla/5.0",
        "api_client": None,
        "leaf_version": 2,
        "personal_salt": bytes(range(32)),
        "personal_digest": b"\x00\xff" * 16,
    }
    return {**values, **changes}


def _sent(params):
    with connection.cursor() as cursor:
        return cursor.cursor.mogrify(_insert_statement(), params)


def _prepared_by_fields(values):
    return [f.get_db_prep_save(values[f.attname], connection) for f in _insert_fields()]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"purpose": gettext_lazy("Emergency"), "leaf_version": True},
        {"actor_id": None, "ip_address": None, "criteria": {}, "result_ids": []},
    ],
    ids=["typical", "unexpected-kinds", "empty"],
)
def test_it_sends_what_each_field_would_prepare(changes):
    values = _event(**changes)
    assert _sent(_db_values(values, connection)) == _sent(_prepared_by_fields(values))
