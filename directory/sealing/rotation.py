"""Key rotation while the service runs: wrap data keys again, seal rows again, in batches.

Rule (protection at rest): a key that may have leaked must stop protecting anything, without
stopping the directory. Three steps, each safe to repeat:

1. **Re-wrap**: every data key not wrapped by the provider's current key-encryption key is
   unwrapped with its old one and wrapped with the current one (a few rows; after this the
   old key-encryption key can be removed from the key file or KMS).
2. **New data key**: a new field key becomes current and the older ones are retired (they
   still open what they sealed; processes pick the new one within FIELD_KEY_CACHE_SECONDS);
   likewise a new audit key for the criteria of new audit events (``audit/sealed_criteria.py``).
3. **Re-seal**: children, carers, held feed rows and access requests still under an older key
   are sealed again under the current one, a batch per transaction with the rows locked, so a
   concurrent edit is never lost; a row written meanwhile under the old key is caught by the
   next run.

``drop_unused`` then deletes retired field keys no row names any more (never an audit key),
which destroys what a leaked copy of them could open in an old backup of these rows
(crypto-shredding).
The index key is not rotated here: its values are what search compares, so changing it
means recomputing every postcode index at once (docs/encryption.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from access.models import AccessRequest
from directory.models import Carer, Child, DataKey, FeedReview

from . import keyring
from .cipher import HEADER_BYTES, key_id_of
from .provider import key_provider

# Every model with sealed fields: re-sealed, and asked which keys are still used.
TABLES = (Child, Carer, FeedReview, AccessRequest)


@dataclass
class Rotation:
    rewrapped: int = 0
    new_key: int | None = None
    new_audit_key: int | None = None
    resealed: dict[str, int] = field(default_factory=dict)
    dropped: int = 0


def keys_rewrap() -> int:
    """Wrap every data key under the current key-encryption key; returns how many changed."""
    provider = key_provider()
    current = provider.current_id()
    changed = 0
    with transaction.atomic():
        for key in DataKey.objects.select_for_update().exclude(kek_id=current):
            context = keyring.wrap_context(key.purpose, key.pk)
            material = provider.unwrap(key.kek_id, bytes(key.wrapped), context=context)
            key.kek_id, key.wrapped = provider.wrap(material, context=context)
            key.save(update_fields=["kek_id", "wrapped"])
            changed += 1
    return changed


def field_key_new() -> int:
    """A new current field key; the older ones are retired (they still open)."""
    return _key_new(keyring.FIELD)


def audit_key_new() -> int:
    """A new current key for the audit log's criteria. The older ones are retired but never
    dropped: the events they sealed cannot be sealed again (the log is append-only)."""
    return _key_new(keyring.AUDIT)


def _key_new(purpose: str) -> int:
    with transaction.atomic():
        new = keyring.key_create(purpose, force=True)
        DataKey.objects.filter(purpose=purpose, retired_at=None).exclude(pk=new).update(
            retired_at=timezone.now()
        )
    keyring.keys_forget()
    return new


def rows_reseal(
    model, *, batch: int = 1000, pause: float = 0.0, progress: Callable | None = None
) -> int:
    """Seal again every row of ``model`` not under the current field key."""
    key = keyring.current_key()
    done, last = 0, 0
    columns = [*model.sealed_columns(), *model.DERIVED]
    while True:
        with transaction.atomic():
            rows = list(
                model.objects.select_for_update()
                .filter(pk__gt=last)
                .exclude(sealed_with=key.id)
                .order_by("pk")[:batch]
            )
            if not rows:
                return done
            for row in rows:
                row.seal(key)
            model.objects.bulk_update(rows, columns)
        done += len(rows)
        last = rows[-1].pk
        if progress:
            progress(model, done)
        if pause:
            time.sleep(pause)


def keys_drop_unused() -> int:
    """Delete retired field keys that no row (nor a waiting upload) is sealed under any more.
    A waiting upload is not sealed again: it is opened once, by its import, within minutes."""
    used: set[int] = set()
    with connection.cursor() as cursor:
        for model in TABLES:
            cursor.execute(
                f"SELECT DISTINCT sealed_with FROM {model._meta.db_table} "  # noqa: S608
                "WHERE sealed_with IS NOT NULL"
            )
            used |= {row[0] for row in cursor.fetchall()}
        # Uploads waiting for the worker: the key is in each sealed file's header.
        cursor.execute(
            "SELECT substring(data from 1 for %s) FROM directory_feedupload WHERE data IS NOT NULL",
            [HEADER_BYTES],
        )
        used |= {key_id_of(bytes(row[0])) for row in cursor.fetchall()}
    retired = DataKey.objects.filter(purpose=keyring.FIELD, retired_at__isnull=False)
    deleted, _ = retired.exclude(pk__in=used).delete()
    keyring.keys_forget()
    return deleted


def keys_rotate(
    *,
    new_key: bool = True,
    reseal: bool = True,
    drop_unused: bool = False,
    batch: int = 1000,
    pause: float = 0.0,
    progress: Callable | None = None,
) -> Rotation:
    """Re-wrap, then (optionally) a new field key, re-seal and drop keys no longer used."""
    result = Rotation(rewrapped=keys_rewrap())
    if new_key:
        result.new_key = field_key_new()
        result.new_audit_key = audit_key_new()
    if reseal:
        for model in TABLES:
            result.resealed[model._meta.db_table] = rows_reseal(
                model, batch=batch, pause=pause, progress=progress
            )
    if drop_unused:
        result.dropped = keys_drop_unused()
    return result
