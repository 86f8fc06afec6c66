"""Whole files sealed like any field: a feed upload's bytes while it waits for the worker.

Rule (protection at rest): an uploaded feed holds children's addresses and carers' contacts,
and it sits in PostgreSQL from the upload until the import ends (minutes for a large file;
longer if the worker is down). So it is stored sealed under the current field key, bound to
its table, column and row, and opened only by the import.
"""

from __future__ import annotations

from . import keyring
from .cipher import bound_to, seal_bytes


def blob_seal(data: bytes, *, table: str, field: str, row: int) -> bytes:
    key = keyring.current_key()
    return seal_bytes(data, key_id=key.id, key=key.aead, binding=bound_to(table, field, row))


def blob_open(sealed: bytes, *, table: str, field: str, row: int) -> bytes:
    """The bytes ``blob_seal`` sealed for this row; ``SealBroken`` for any other."""
    return keyring.bytes_open(sealed, binding=bound_to(table, field, row))
