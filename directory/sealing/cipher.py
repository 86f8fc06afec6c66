"""One sealed value: AES-256-GCM under a data key, bound to its table, field and row.

Rule (protection at rest): a sealed value opens only in the row and field it was written for,
so a DBA who copies a carer's telephone number into another child's row gets a value the
application refuses, never a misdirected family. The binding is the AEAD's associated data;
no cipher is home-made (``cryptography``'s AESGCM).

Layout: version (1 byte) | data key id (4 bytes, big-endian) | nonce (12) | ciphertext+tag.
The header is authenticated too. Plaintext is padded to a multiple of 16 bytes before
sealing, so a value's length says little more than roughly how long it is.
"""

from __future__ import annotations

import os
import struct

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = 1
_HEADER = struct.Struct(">BI")
HEADER_BYTES = _HEADER.size
NONCE_BYTES = 12
BLOCK = 16


class SealBroken(Exception):
    """A sealed value that does not open: tampered, moved to another row, or a wrong key."""


def bound_to(table: str, field: str, row: str | int) -> bytes:
    """The associated data of a value: which table, field and row it belongs to."""
    return f"{table}|{field}|{row}".encode()


def key_id_of(sealed: bytes) -> int:
    """The id of the data key that sealed ``sealed`` (header only; nothing is opened)."""
    version, key_id = _HEADER.unpack_from(sealed)
    if version != VERSION:
        raise SealBroken(f"unknown sealed-value version {version}")
    return key_id


def seal(text: str, *, key_id: int, key: bytes | AESGCM, binding: bytes) -> bytes:
    return seal_bytes(text.encode(), key_id=key_id, key=key, binding=binding)


def seal_bytes(data: bytes, *, key_id: int, key: bytes | AESGCM, binding: bytes) -> bytes:
    """``seal`` for bytes (an uploaded file)."""
    header = _HEADER.pack(VERSION, key_id)
    nonce = os.urandom(NONCE_BYTES)
    aead = key if isinstance(key, AESGCM) else AESGCM(key)
    return header + nonce + aead.encrypt(nonce, _pad(data), header + binding)


def open_sealed(sealed: bytes, *, key: bytes | AESGCM, binding: bytes) -> str:
    """The text of ``sealed``; raises SealBroken if it was not sealed for ``binding``."""
    try:
        return open_bytes(sealed, key=key, binding=binding).decode()
    except UnicodeDecodeError as error:
        raise SealBroken("sealed value is not text") from error


def open_bytes(sealed: bytes, *, key: bytes | AESGCM, binding: bytes) -> bytes:
    """The bytes of ``sealed``; raises SealBroken if it was not sealed for ``binding``."""
    header = sealed[: _HEADER.size]
    nonce = sealed[_HEADER.size : _HEADER.size + NONCE_BYTES]
    aead = key if isinstance(key, AESGCM) else AESGCM(key)
    try:
        padded = aead.decrypt(nonce, sealed[_HEADER.size + NONCE_BYTES :], header + binding)
    except Exception as error:  # InvalidTag, or a value cut short
        raise SealBroken("sealed value does not open for this row and field") from error
    return _unpad(padded)


def _pad(data: bytes) -> bytes:
    """ISO/IEC 7816-4 padding: 0x80 then zeros up to the next multiple of BLOCK."""
    data += b"\x80"
    return data + b"\x00" * (-len(data) % BLOCK)


def _unpad(data: bytes) -> bytes:
    end = data.rstrip(b"\x00")
    if not end.endswith(b"\x80"):
        raise SealBroken("bad padding")
    return end[:-1]
