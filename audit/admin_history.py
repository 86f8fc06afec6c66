"""The admin change history (django-auditlog's ``LogEntry``) under the sealed log.

Rule (tamper evidence, issue 14): who changed a reader's role, e-mail or organisation is as
much evidence as who looked a child up, so its history must not be quietly edited either.
Two guarantees, like the lookup log's:

- append-only: the database refuses UPDATE, DELETE and TRUNCATE on ``auditlog_logentry`` for
  every role (the same trigger as the lookup log, migration 0018), and the application's role
  holds only SELECT and INSERT on it (``audit.roles``);
- sealed: each entry, as it is written, gets an ``admin_change`` event in the lookup log, in
  the same transaction, whose criteria carry the entry's id and a SHA-256 digest of its
  content. The sealer seals that event like any other, so ``verify_audit`` can recompute each
  entry's digest and name one that was changed, removed, or slipped in without its event.

A superuser who rewrites an entry must then also rewrite its sealed event, which verification
catches. An entry written after the last sealed event is "not yet sealed", as events are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC
from functools import partial

from auditlog import context as auditlog_context
from auditlog import get_logentry_model
from auditlog.cid import set_cid
from auditlog.middleware import AuditlogMiddleware
from django.db import connection, transaction
from django.db.models.signals import pre_save

from .models import AccessEvent
from .writer import Actor, access_event_record

_CHUNK = 5_000


def log_entry_digest(entry) -> str:
    """SHA-256 of the entry's content in a fixed encoding (keys sorted, the object id as
    stored text, UTC timestamp), so the digest taken at writing equals the one recomputed
    from the row years later."""
    content = {
        "id": entry.pk,
        "content_type": entry.content_type_id,
        "object_pk": str(entry.object_pk),  # an int in memory, text once stored
        "object_repr": entry.object_repr,
        "action": entry.action,
        "changes": entry.changes,
        "actor": entry.actor_id,
        "remote_addr": entry.remote_addr,
        "timestamp": entry.timestamp.astimezone(UTC).isoformat(),
    }
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def admin_history_seal(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """post_save of ``LogEntry``: write its ``admin_change`` event in the same transaction
    (a savepoint inside the admin's own, so both stand or fall together)."""
    if not created or raw:
        return
    actor = instance.actor
    with transaction.atomic():
        access_event_record(
            actor=Actor(
                user_id=instance.actor_id,
                username=actor.get_username() if actor is not None else "",
                role=getattr(actor, "role", "") if actor is not None else "",
                organisation_id=getattr(actor, "organisation_id", None),
                ip_address=instance.remote_addr,
                user_agent="",
            ),
            action=AccessEvent.Action.ADMIN_CHANGE,
            outcome=AccessEvent.Outcome.OK,
            criteria={"log_entry": instance.pk, "digest": log_entry_digest(instance)},
        )


def admin_history_problems(*, sealed_through_id: int) -> tuple[list[tuple[str, str]], int]:
    """Compare every entry with the sealed ``admin_change`` events (events up to
    ``sealed_through_id``, the last head's). Returns the problems as (subject, message) and
    how many entries are not yet sealed (newer than the newest sealed entry's event)."""
    sealed = _sealed_digests(sealed_through_id)
    newest_sealed = max(sealed, default=0)
    problems: list[tuple[str, str]] = []
    seen: set[int] = set()
    unsealed = 0
    for entry_id, digest in _entry_digests():
        if entry_id > newest_sealed:
            unsealed += 1
            continue
        seen.add(entry_id)
        expected = sealed.get(entry_id)
        if expected is None:
            problems.append((f"admin history entry {entry_id}", "has no sealed event"))
        elif expected != digest:
            problems.append((f"admin history entry {entry_id}", "changed since it was sealed"))
    for entry_id in sorted(set(sealed) - seen):
        problems.append((f"admin history entry {entry_id}", "sealed but missing"))
    return problems, unsealed


def _sealed_digests(sealed_through_id: int) -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (criteria->>'log_entry')::bigint, criteria->>'digest' "
            "FROM audit_accessevent WHERE action = %s AND id <= %s",
            [AccessEvent.Action.ADMIN_CHANGE, sealed_through_id],
        )
        return dict(cursor.fetchall())


def _entry_digests() -> Iterator[tuple[int, str]]:
    """Each entry's recomputed digest, in id order, a chunk at a time."""
    from auditlog.models import LogEntry

    last = 0
    while True:
        page = list(LogEntry.objects.filter(pk__gt=last).order_by("pk")[:_CHUNK])
        for entry in page:
            yield entry.pk, log_entry_digest(entry)
        if len(page) < _CHUNK:
            return
        last = page[-1].pk


class AdminHistoryActorMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware (each admin change's entry names who made it, from where),
    without connecting and disconnecting a signal receiver on every request.

    Why (issue 16): auditlog's own middleware connects a ``pre_save`` receiver for
    ``LogEntry`` as each request starts and disconnects it as it ends, a twentieth of an
    audited page's Python for a signal that fires only when an admin change is saved. Here
    one receiver, auditlog's own ``_set_extra_data``, stays connected for the process under a
    fixed id, and each request only sets the context it reads (actor, address, port), through
    auditlog's own context variable, and resets it after; a change saved outside a request
    finds no context and names no actor, as before. Pinned to django-auditlog 3.4.1, whose
    internals these are; ``tests/audit/test_admin_history.py`` checks the actor is named.
    """

    _SIGNAL_ID = ("set_actor", "contactpoint.request")

    def __init__(self, get_response=None):
        super().__init__(get_response)
        pre_save.connect(
            partial(auditlog_context._set_extra_data, signal_duid=self._SIGNAL_ID),
            sender=get_logentry_model(),
            dispatch_uid=self._SIGNAL_ID,
            weak=False,
        )

    def __call__(self, request):
        set_cid(request)
        context = {**self.get_extra_data(request), "signal_duid": self._SIGNAL_ID}
        token = auditlog_context.auditlog_value.set(context)
        try:
            return self.get_response(request)
        finally:
            auditlog_context.auditlog_value.reset(token)
