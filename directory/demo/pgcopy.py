"""PostgreSQL ``COPY`` for the three big tables (children, carers, involvements).

With ``bulk_create`` a 100,000-child demo took 66 s on two cores, over its one-minute
budget: ``Child.former_names`` is an ArrayField, which rules out Django's UNNEST insert, so
each batch becomes a literal VALUES list costing about 250 µs a row to build and parse.
With ``COPY`` the same load takes about 30 s. It is still an ordinary insert to PostgreSQL:
constraints, generated columns (the name keys) and row triggers (the ``cloaked`` default)
all run exactly as for any other write.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from itertools import islice

from django.db import connection, models

CHUNK_ROWS = 20_000


def ids_reserve(model: type[models.Model], count: int) -> list[int]:
    """Draw ``count`` primary keys from the table's own sequence, so rows copied in can be
    referred to before they exist (COPY cannot return the ids it assigns)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def rows_copy(
    model: type[models.Model],
    fields: tuple[str, ...],
    rows: Iterable[tuple],
    *,
    nullable: tuple[str, ...] = (),
) -> int:
    """COPY ``rows`` (values in the order of ``fields``) into ``model``'s table, in chunks.

    CSV quotes every text value, so an empty string stays empty; ``None`` is written as an
    empty quoted value too, and only the ``nullable`` fields turn that back into NULL.
    """
    meta = model._meta
    columns = [meta.get_field(name).column for name in fields]
    options = "FORMAT csv"
    if nullable:
        options += f", FORCE_NULL ({', '.join(meta.get_field(n).column for n in nullable)})"
    statement = (
        f"COPY {connection.ops.quote_name(meta.db_table)} "
        f"({', '.join(connection.ops.quote_name(c) for c in columns)}) FROM STDIN WITH ({options})"
    )
    copied = 0
    with connection.cursor() as cursor:
        for chunk in _chunks(rows):
            buffer = io.StringIO()
            csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC).writerows(chunk)
            buffer.seek(0)
            cursor.copy_expert(statement, buffer)
            copied += len(chunk)
    return copied


def tables_analyse(*tables: type[models.Model]) -> None:
    """Refresh the planner's statistics, as PostgreSQL advises after a bulk load: until
    autovacuum gets round to it, the first searches would be planned for empty tables."""
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def array_literal(values: Iterable[str]) -> str:
    """A PostgreSQL text[] literal: every element double-quoted, quotes and backslashes
    escaped, so names with spaces, commas or apostrophes survive."""
    quoted = ('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values)
    return "{" + ",".join(quoted) + "}"


def _chunks(rows: Iterable[tuple]) -> Iterator[list[tuple]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK_ROWS)):
        yield chunk
