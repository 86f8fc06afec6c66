"""Data keys: kept in the database wrapped, unwrapped once per process, one current at a time.

Rule (protection at rest): the database holds each data key only as the key provider wrapped
it (``directory.DataKey``); a process unwraps a key the first time it meets it and keeps it in
memory. New values are sealed under the newest field key that is not retired; ``rotate_keys``
adds a newer one and seals every row again under it, so how long any process keeps sealing
under the old one is bounded by ``FIELD_KEY_CACHE_SECONDS``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import connection, transaction

from .cipher import key_id_of, open_bytes, open_sealed
from .provider import KEY_BYTES, key_provider

FIELD = "field"
INDEX = "index"
# Seals location values in the audit log's criteria (``audit/sealed_criteria.py``); never
# re-sealed or dropped, since the log is append-only.
AUDIT = "audit"
# Any number both writers agree on: creating the first key of a purpose is serialised.
_CREATE_LOCK = 0x15_DA7A_7E5


@dataclass(frozen=True)
class DataKey:
    id: int
    material: bytes

    @property
    def aead(self) -> AESGCM:
        return _aead(self)


_aeads: dict[int, AESGCM] = {}
_material: dict[int, bytes] = {}
_current: dict[str, tuple[float, DataKey]] = {}


def _aead(key: DataKey) -> AESGCM:
    aead = _aeads.get(key.id)
    if aead is None:
        aead = _aeads[key.id] = AESGCM(key.material)
    return aead


def wrap_context(purpose: str, key_id: int) -> bytes:
    """What a wrapped data key is bound to: its purpose and id, so that a DBA cannot swap
    the index key for a field key or one row's key for another's."""
    return f"datakey|{purpose}|{key_id}".encode()


def data_key(key_id: int) -> DataKey:
    """The data key ``key_id``, unwrapped (once per process)."""
    material = _material.get(key_id)
    if material is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT purpose, kek_id, wrapped FROM directory_datakey WHERE id = %s", [key_id]
            )
            row = cursor.fetchone()
        if row is None:
            raise LookupError(f"data key {key_id} does not exist")
        purpose, kek_id, wrapped = row
        material = key_provider().unwrap(
            kek_id, bytes(wrapped), context=wrap_context(purpose, key_id)
        )
        _material[key_id] = material
    return DataKey(key_id, material)


def text_open(sealed: bytes, *, binding: bytes) -> str:
    """The text of a sealed value, opened with the data key its header names (``SealBroken``
    if it was not sealed for ``binding``)."""
    return open_sealed(sealed, key=data_key(key_id_of(sealed)).aead, binding=binding)


def bytes_open(sealed: bytes, *, binding: bytes) -> bytes:
    """``text_open`` for sealed bytes (a file)."""
    return open_bytes(sealed, key=data_key(key_id_of(sealed)).aead, binding=binding)


def current_key(purpose: str = FIELD, *, create: bool = True) -> DataKey | None:
    """The newest key of ``purpose`` not retired, made if there is none and ``create``."""
    cached = _current.get(purpose)
    now = time.monotonic()
    if cached and cached[0] > now:
        return cached[1]
    key_id = _newest(purpose)
    if key_id is None:
        if not create:
            return None
        key_id = key_create(purpose)
    key = data_key(key_id)
    _current[purpose] = (now + settings.FIELD_KEY_CACHE_SECONDS, key)
    return key


def _newest(purpose: str) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(id) FROM directory_datakey WHERE purpose = %s AND retired_at IS NULL",
            [purpose],
        )
        return cursor.fetchone()[0]


def key_create(purpose: str, *, force: bool = False) -> int:
    """A new random data key of ``purpose``, wrapped by the provider's current key; with
    ``force`` even when one exists (rotation). Returns its id."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CREATE_LOCK])
        if not force and (existing := _newest(purpose)) is not None:
            return existing
        cursor.execute("SELECT nextval(pg_get_serial_sequence('directory_datakey', 'id'))")
        key_id = cursor.fetchone()[0]
        material = os.urandom(KEY_BYTES)
        kek_id, wrapped = key_provider().wrap(material, context=wrap_context(purpose, key_id))
        cursor.execute(
            "INSERT INTO directory_datakey (id, purpose, kek_id, wrapped, created_at) "
            "VALUES (%s, %s, %s, %s, now())",
            [key_id, purpose, kek_id, wrapped],
        )
    _material[key_id] = material
    _current.pop(purpose, None)
    return key_id


def keys_forget() -> None:
    """Drop what this process remembers (after a rotation, or between tests)."""
    _current.clear()
    _material.clear()
    _aeads.clear()
