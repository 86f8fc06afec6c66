"""Key-encryption keys: held outside the database, behind an interface a KMS or HSM can fill.

Rule (protection at rest): whoever holds the database alone — a DBA, a dump, a replica, a lost
backup — must learn nothing of where a child lives, so the key that unwraps the data keys is
never stored with them. ``LocalKeyProvider`` reads it from ``FIELD_KEK`` (the text itself, from a
secret store) or ``FIELD_KEK_FILE`` (a 0600 file; ``make run`` creates ``.data/field-kek``).
A KMS or HSM implements the same two calls, ``wrap`` and ``unwrap``; name its class in
``FIELD_KEY_PROVIDER``.

The text holds one key per line, ``<id> <base64 of 32 bytes>``; the last line is the current
key, which wraps new data keys; earlier lines still unwrap what they wrapped until
``rotate_keys`` has wrapped everything again under the current one.
"""

from __future__ import annotations

import base64
import binascii
import os
from functools import cache
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

KEY_BYTES = 32
NONCE_BYTES = 12
MISSING = (
    "No field key-encryption key: set FIELD_KEK_FILE to a file holding lines "
    "'<id> <base64 of 32 random bytes>' (python -m contactpoint.stack keygen-field writes one) "
    "or FIELD_KEK to that text. `make run` creates .data/field-kek for development."
)


class KeyUnavailable(Exception):
    """A data key is wrapped by a key-encryption key this process does not have."""


class KeyProvider(Protocol):
    """What the directory asks of whatever holds the key-encryption keys."""

    def current_id(self) -> str:
        """The id of the key that wraps new data keys."""

    def wrap(self, data_key: bytes, *, context: bytes) -> tuple[str, bytes]:
        """``data_key`` wrapped under the current key: (key id, wrapped bytes)."""

    def unwrap(self, kek_id: str, wrapped: bytes, *, context: bytes) -> bytes:
        """The data key; raises KeyUnavailable for an unknown key, InvalidTag if tampered."""


class LocalKeyProvider:
    """Key-encryption keys given as text (a file or an environment secret), AES-256-GCM wrap."""

    def __init__(self, text: str) -> None:
        self.keys: dict[str, bytes] = {}
        self.current = ""
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            kek_id, _, encoded = line.strip().partition(" ")
            try:
                key = base64.b64decode(encoded.strip(), validate=True)
            except binascii.Error:
                key = b""
            if len(key) != KEY_BYTES or not kek_id:
                raise ImproperlyConfigured(
                    f"Field key line {number} is not '<id> <base64 of {KEY_BYTES} bytes>'"
                )
            self.keys[kek_id] = key
            self.current = kek_id
        if not self.current:
            raise ImproperlyConfigured(MISSING)

    def current_id(self) -> str:
        return self.current

    def wrap(self, data_key: bytes, *, context: bytes) -> tuple[str, bytes]:
        nonce = os.urandom(NONCE_BYTES)
        aad = b"kek|" + self.current.encode() + b"|" + context
        return self.current, nonce + AESGCM(self.keys[self.current]).encrypt(nonce, data_key, aad)

    def unwrap(self, kek_id: str, wrapped: bytes, *, context: bytes) -> bytes:
        key = self.keys.get(kek_id)
        if key is None:
            raise KeyUnavailable(f"key-encryption key {kek_id!r} is not configured")
        aad = b"kek|" + kek_id.encode() + b"|" + context
        return AESGCM(key).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], aad)


def new_key_line(kek_id: str) -> str:
    """A line for a key file: a fresh random key under ``kek_id``."""
    return f"{kek_id} {base64.b64encode(os.urandom(KEY_BYTES)).decode()}"


def _local_text() -> str:
    if settings.FIELD_KEK:
        return settings.FIELD_KEK.replace("\\n", "\n").replace(",", "\n")
    if not settings.FIELD_KEK_FILE:
        raise ImproperlyConfigured(MISSING)
    path = Path(settings.FIELD_KEK_FILE)
    try:
        return path.read_text()
    except OSError as error:
        raise ImproperlyConfigured(f"Cannot read FIELD_KEK_FILE {path}: {error}") from None


@cache
def key_provider() -> KeyProvider:
    """This process's provider (``FIELD_KEY_PROVIDER``, else the local one), made once."""
    if settings.FIELD_KEY_PROVIDER:
        return import_string(settings.FIELD_KEY_PROVIDER)()
    return LocalKeyProvider(_local_text())
