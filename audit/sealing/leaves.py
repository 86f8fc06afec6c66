"""Events read back in id order, as the sealer and the verifier both need them.

Keyset pagination (``id > last seen``), never OFFSET: each chunk is an index range scan on
every monthly partition's primary key, so reading the billionth event costs what reading the
first did.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from .canonical import SELECT_COLUMNS, event_bytes
from .merkle import HASH_SIZE, leaf_hash

CHUNK = 5000

_ROWS = (
    f"SELECT {SELECT_COLUMNS} FROM audit_accessevent "  # noqa: S608 - fixed column list
    "WHERE id > %s AND id <= %s ORDER BY id LIMIT %s"
)


def event_rows(cursor, *, after: int, upto: int, chunk: int = CHUNK) -> Iterator[tuple]:
    """Rows with ``after < id <= upto``, in id order, ``chunk`` at a time."""
    while after < upto:
        cursor.execute(_ROWS, [after, upto, chunk])
        rows = cursor.fetchall()
        yield from rows
        if len(rows) < chunk:
            return
        after = rows[-1][0]


def event_leaves(cursor, *, after: int, upto: int) -> Iterator[tuple[int, bytes]]:
    """(event id, RFC 6962 leaf hash) for each row in the range."""
    for row in event_rows(cursor, after=after, upto=upto):
        yield row[0], leaf_hash(event_bytes(row))


def pack_ids(ids: list[int]) -> bytes:
    return struct.pack(f">{len(ids)}q", *ids)


def unpack_ids(packed: bytes) -> list[int]:
    return list(struct.unpack(f">{len(packed) // 8}q", packed))


def unpack_hashes(packed: bytes) -> list[bytes]:
    return [packed[i : i + HASH_SIZE] for i in range(0, len(packed), HASH_SIZE)]
