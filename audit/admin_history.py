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

from django.db import connection, transaction

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
