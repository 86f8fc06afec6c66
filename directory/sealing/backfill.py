"""Sealing rows written before protection at rest: the data migration of a deployed
directory (``directory`` migration 0019, ``access`` 0015), in batches, from the plaintext
columns it then drops.

Rule (protection at rest): a council upgrading keeps its records and loses its plaintext; the
migration needs the key-encryption key (``FIELD_KEK_FILE`` or ``FIELD_KEK``) to run.
"""

from __future__ import annotations

from psycopg2.extras import execute_values

from . import blind_index, keyring
from .cipher import bound_to, seal

BATCH = 5000
CHILD = ("address_line_1", "address_line_2", "town", "postcode")
CARER = ("phone", "email", "address")


def _sealed(key, table: str, row: str, names, values) -> list[bytes]:
    return [
        seal(value or "", key_id=key.id, key=key.aead, binding=bound_to(table, name, row))
        for name, value in zip(names, values, strict=True)
    ]


def children_seal(connection) -> int:
    """Seal every child's plaintext address columns; returns how many rows."""
    return _seal_table(connection, "directory_child", "public_id", CHILD, index=True)


def carers_seal(connection) -> int:
    return _seal_table(connection, "directory_carer", "id", CARER, index=False)


def feed_reviews_seal(connection) -> int:
    """Held feed rows (``FeedReview.record``, JSON) sealed as their text."""
    return _seal_table(
        connection, "directory_feedreview", "id", ("record",), index=False, read=("record::text",)
    )


def access_requests_seal(connection) -> int:
    """Access requests' criteria (JSON: the search that found nobody) sealed as their text
    (``access`` migration 0015)."""
    names, read = ("criteria",), ("criteria::text",)
    return _seal_table(connection, "access_accessrequest", "id", names, index=False, read=read)


def _seal_table(connection, table: str, row_column: str, names, *, index: bool, read=None) -> int:
    done, last = 0, 0
    key = index_key = None
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, {row_column}, {', '.join(read or names)} FROM {table} "  # noqa: S608
                "WHERE id > %s ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return done
            if key is None:
                key = keyring.current_key()
                index_key = keyring.current_key(keyring.INDEX).material if index else None
            values = []
            for pk, row, *plain in rows:
                extra = []
                if index:
                    postcode = plain[names.index("postcode")]
                    extra = [
                        blind_index.postcode_index(index_key, postcode),
                        blind_index.outward_index(index_key, postcode),
                    ]
                values.append((pk, *_sealed(key, table, str(row), names, plain), key.id, *extra))
            columns = [f"{n}_sealed" for n in names] + ["sealed_with"]
            if index:
                columns += ["postcode_index", "outward_index"]
            casts = ["bytea"] * len(names) + ["integer"] + ["bigint"] * (2 if index else 0)
            assign = ", ".join(f"{c} = v.{c}::{t}" for c, t in zip(columns, casts, strict=True))
            execute_values(
                cursor.cursor if hasattr(cursor, "cursor") else cursor,
                f"UPDATE {table} AS t SET {assign} FROM (VALUES %s) "  # noqa: S608 - constants
                f"AS v(id, {', '.join(columns)}) WHERE t.id = v.id",
                values,
                page_size=1000,
            )
        done += len(rows)
        last = rows[-1][0]


def bulk_sealer(table: str, names: tuple[str, ...], *, index: bool):
    """A function for bulk writers (COPY): (row binding, plaintexts in ``names`` order) ->
    the sealed values as bytea hex text, the key id and, for children, the two blind index
    values; under one key for the whole load."""
    key = keyring.current_key()
    index_key = keyring.current_key(keyring.INDEX).material if index else None
    postcode_at = names.index("postcode") if index else None

    def sealed(row, plain) -> tuple:
        out = [
            "\\x" + value.hex()
            for value in _sealed(key, table, str(row), names, [p or "" for p in plain])
        ]
        out.append(key.id)
        if index:
            postcode = plain[postcode_at]
            out += [
                blind_index.postcode_index(index_key, postcode),
                blind_index.outward_index(index_key, postcode),
            ]
        return tuple(out)

    return sealed
