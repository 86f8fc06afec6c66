"""The one writer of the lookup log.

Nobody creates ``AccessEvent`` rows by hand: every event goes through ``access_event_record``
so that each carries the same facts (who, from where, when, why) and so that the log has one
definition of what an event is. It depends on nothing else in the project but the data keys
that seal a typed postcode (``directory.sealing``).

Every event it writes is of leaf version 2 (``sealing/canonical.py``): its criteria and reason,
which may be a child's names, date of birth and postcode, are sealed only through a salted digest,
so that retention can later forget them (``forgetting.py``) and the seal still holds; a
typed postcode is stored sealed under the audit data key (``sealed_criteria.py``), so the
log does not say where the children it lists live.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone

from .models import AccessEvent
from .sealed_criteria import criteria_seal
from .sealing.canonical import EVENT_FIELDS, LEAF_VERSION, personal_digest

_USER_AGENT_MAX = 300
_REASON_MAX = 300
_SALT_BYTES = 32


@dataclass(frozen=True)
class Actor:
    """Who did something, copied as plain values so the log outlives the user row."""

    user_id: int | None
    username: str
    role: str
    organisation_id: int | None
    ip_address: str | None
    user_agent: str
    # The connecting system acting for the user (the API's client id); None on the pages.
    api_client: str | None = None

    @classmethod
    def from_request(cls, request: Any, user: Any = None) -> Actor:
        user = user if user is not None else getattr(request, "user", None)
        authenticated = bool(user is not None and user.is_authenticated)
        return cls(
            user_id=user.pk if authenticated else None,
            username=user.get_username() if authenticated else "",
            role=getattr(user, "role", "") if authenticated else "",
            organisation_id=getattr(user, "organisation_id", None) if authenticated else None,
            ip_address=request.META.get("REMOTE_ADDR") or None,
            user_agent=(request.META.get("HTTP_USER_AGENT") or "")[:_USER_AGENT_MAX],
        )


def access_event_record(
    *,
    actor: Actor,
    action: AccessEvent.Action,
    outcome: AccessEvent.Outcome,
    purpose: str = "",
    criteria: dict[str, Any] | None = None,
    result_ids: list[str] | None = None,
    child_public_id: str = "",
    reason: str = "",
) -> AccessEvent:
    """Append one event to the log inside the caller's transaction.

    Rule (audit before data): callers that read child data call this inside the same
    ``transaction.atomic`` block as the read, before returning anything; if this insert fails
    the transaction rolls back and no data leaves the server.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("Audit events are written inside the transaction of the read.")
    return _event_insert(
        using=DEFAULT_DB_ALIAS,
        actor=actor,
        action=action,
        outcome=outcome,
        purpose=purpose,
        criteria=criteria,
        result_ids=result_ids,
        child_public_id=child_public_id,
        reason=reason,
    )


def _event_insert(
    *,
    using: str,
    actor: Actor,
    action: AccessEvent.Action,
    outcome: AccessEvent.Outcome,
    purpose: str = "",
    criteria: dict[str, Any] | None = None,
    result_ids: list[str] | None = None,
    child_public_id: str = "",
    reason: str = "",
) -> AccessEvent:
    personal = _PersonalData.of(criteria, reason)
    values = {
        "occurred_at": timezone.now(),
        "actor_id": actor.user_id,
        "actor_username": actor.username,
        "actor_role": actor.role,
        "organisation_id": actor.organisation_id,
        "action": action,
        "outcome": outcome,
        "purpose": purpose,
        "criteria": personal.criteria,
        "result_ids": result_ids or [],
        "child_public_id": child_public_id,
        "reason": personal.reason,
        "ip_address": actor.ip_address,
        "user_agent": actor.user_agent,
        "api_client": actor.api_client,
        "leaf_version": LEAF_VERSION,
        "personal_salt": personal.salt,
        "personal_digest": personal.digest,
    }
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(_insert_statement(), _db_values(values, connection))
        event_id = cursor.fetchone()[0]
    event = AccessEvent(id=event_id, **values)
    event._state.adding = False
    event._state.db = using
    return event


# Field classes (exactly these, not subclasses) whose preparation for the database gives back
# a value of the kind beside it unchanged: Django's ``get_db_prep_save`` would return it as it
# is (text, a whole number, bytes — which the driver sends as ``bytea`` either way — and a
# time with its zone).
_GIVEN_BACK = {
    models.CharField: lambda value: value is None or isinstance(value, str),
    models.TextField: lambda value: value is None or isinstance(value, str),
    models.IntegerField: lambda value: value is None or type(value) is int,
    models.BigIntegerField: lambda value: value is None or type(value) is int,
    models.SmallIntegerField: lambda value: value is None or type(value) is int,
    models.BinaryField: lambda value: type(value) is bytes,
    models.DateTimeField: lambda value: (
        isinstance(value, datetime) and value.utcoffset() is not None
    ),
}


def _db_values(values: dict[str, Any], connection) -> list:
    """The INSERT's parameters: each value as its field prepares it for the database. Why not
    every value through ``get_db_prep_save``: most of an event is text and numbers that it
    gives back unchanged, and preparing all nineteen was about 1.5 % of a record page's Python
    (issue 16); those go as they are, the rest (the criteria's JSON, the IP address, anything
    of an unexpected kind) through their field."""
    return [
        value
        if given_back is not None and given_back(value)
        else field.get_db_prep_save(value, connection)
        for field, given_back in _insert_plan()
        for value in (values[field.attname],)
    ]


@cache
def _insert_plan() -> tuple:
    return tuple((field, _GIVEN_BACK.get(type(field))) for field in _insert_fields())


@cache
def _insert_fields() -> tuple:
    return tuple(f for f in AccessEvent._meta.concrete_fields if not f.primary_key)


@cache
def _insert_statement() -> str:
    """The event's INSERT, written once per process from the model's fields. Why not
    ``objects.create``: it builds and compiles the same statement on every lookup, which cost
    more CPU than PostgreSQL spent running it (issue 16)."""
    names = ", ".join(f'"{field.column}"' for field in _insert_fields())
    marks = ", ".join(["%s"] * len(_insert_fields()))
    table = AccessEvent._meta.db_table
    return f'INSERT INTO "{table}" ({names}) VALUES ({marks}) RETURNING "id"'  # noqa: S608


@dataclass(frozen=True)
class _PersonalData:
    """An event's criteria and reason as they will be stored (a typed postcode sealed), with
    a fresh salt and the digest its leaf seals."""

    criteria: dict[str, Any]
    reason: str
    salt: bytes
    digest: bytes

    @classmethod
    def of(cls, criteria: dict[str, Any] | None, reason: str) -> _PersonalData:
        """The digest must be over what the verifier will read back from PostgreSQL, so the
        criteria go through JSON first (tuples become lists, keys strings), and a number that
        jsonb gives back as an integer (``1e+16``) becomes that integer here too."""
        salt = secrets.token_bytes(_SALT_BYTES)
        sealed = criteria_seal(criteria or {}, salt=salt)
        stored = json.loads(json.dumps(sealed), parse_float=_number_as_stored)
        reason = reason[:_REASON_MAX]
        return cls(stored, reason, salt, personal_digest(salt, stored, reason))


def _number_as_stored(text: str) -> float | int:
    """jsonb keeps a number as a decimal and prints ``1e+16`` as ``10000000000000000``."""
    return int(Decimal(text)) if "e+" in text.lower() else float(text)


def access_event_record_now(**kwargs: Any) -> AccessEvent:
    """Record an event in a transaction of its own, for events with no read attached (logins,
    refusals, break-glass), so the event survives whatever the request does afterwards.

    Rule (audit): a refusal must stay on record even when the request that caused it rolls
    back. The event goes through the ``AUDIT_NOW_DATABASE`` connection (``audit``: same
    server and role, a separate session), whose transaction commits on its own even while
    the caller's transaction on ``default`` is open and later rolls back.
    """
    alias = settings.AUDIT_NOW_DATABASE
    with transaction.atomic(using=alias):
        return _event_insert(using=alias, **kwargs)


@dataclass(frozen=True)
class PastEvent:
    """One event of a synthetic history, with the time it is said to have happened."""

    occurred_at: Any
    actor: Actor
    action: str
    outcome: str
    purpose: str = ""
    criteria: dict[str, Any] | None = None
    result_ids: tuple[str, ...] = ()
    child_public_id: str = ""
    reason: str = ""


# The columns a synthetic event is copied into, in ``_past_row``'s order: every field of a
# leaf but the id (the sequence gives it), then how the leaf is encoded.
_PAST_COLUMNS = (*EVENT_FIELDS[1:], "leaf_version", "personal_salt", "personal_digest")


def access_events_load_synthetic(events: Iterable[PastEvent], *, chunk: int = 20_000) -> int:
    """Append a synthetic, back-dated history (the demo world's month, the misuse benchmark)
    with COPY, and return how many events went in.

    Rule (audit): real events are written only by ``access_event_record``, at the moment they
    happen. A history with past times is fiction by definition, so it is refused unless the
    settings say this deployment holds synthetic data (``AUDIT_SYNTHETIC_HISTORY_ALLOWED``,
    never set in production). The rows still go through the append-only table and are sealed
    like any others.
    """
    if not settings.AUDIT_SYNTHETIC_HISTORY_ALLOWED:
        raise RuntimeError("This deployment does not accept synthetic audit history.")
    statement = (
        f"COPY audit_accessevent ({', '.join(_PAST_COLUMNS)}) FROM STDIN "
        "WITH (FORMAT csv, FORCE_NULL (actor_id, organisation_id, ip_address))"
    )
    loaded = 0
    iterator = iter(events)
    with connection.cursor() as cursor:
        while batch := list(islice(iterator, chunk)):
            buffer = io.StringIO()
            csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC).writerows(
                _past_row(event) for event in batch
            )
            buffer.seek(0)
            cursor.copy_expert(statement, buffer)
            loaded += len(batch)
    return loaded


def _past_row(event: PastEvent) -> tuple:
    actor = event.actor
    personal = _PersonalData.of(event.criteria, event.reason)
    return (
        event.occurred_at.isoformat(),
        "" if actor.user_id is None else str(actor.user_id),
        actor.username,
        actor.role,
        "" if actor.organisation_id is None else str(actor.organisation_id),
        event.action,
        event.outcome,
        event.purpose,
        json.dumps(personal.criteria),
        "{" + ",".join(event.result_ids) + "}",
        event.child_public_id,
        personal.reason,
        actor.ip_address or "",
        actor.user_agent[:_USER_AGENT_MAX],
        LEAF_VERSION,
        "\\x" + personal.salt.hex(),
        "\\x" + personal.digest.hex(),
    )
