"""Statements planned by PostgreSQL once per session (PREPARE / EXECUTE), for the few whose
planning costs more than their running.

Why (issues 11 and 16): the matcher's ranking statement — a union of index blocks, the
levels as one lateral row, the caller's scope — took PostgreSQL about 2 ms of CPU to plan
and under 2 ms to run, on every search. psycopg2 puts the values into the text on the
client, so the driver cannot prepare; PostgreSQL's own ``PREPARE`` can. A statement is
prepared once per database session, under a name made from its text, and each call then
sends ``EXECUTE name(values)``. PostgreSQL plans the first five executions with the
values (custom plans) and afterwards keeps a generic plan only when its estimated cost is
no worse than theirs (``plan_cache_mode`` stays ``auto``), so values that need their own
plan still get one.

A prepared statement outlives the transaction that made it (a ROLLBACK keeps it) and dies
with its session. What is prepared is therefore remembered per underlying connection: a
new connection (Django reconnecting, a worker's fork) starts with nothing prepared. Behind
a pooler that shares one server session between clients transaction by transaction
(PgBouncer in transaction mode), statements would land on sessions that never saw the
PREPARE: turn this off there with ``DATABASE_PREPARED_STATEMENTS=false``.

Statements go through Django's cursor, so the database's errors map as everywhere else
(a stopped PostgreSQL is the service's 503, issue 20) and execute wrappers see them. A
migration that changes the type of a column these statements read makes them fail until the
process reconnects (docs/operations.md, "Deploying a migration").
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.db import connections

# More distinct statements than this in one session means something builds texts it
# should not: start again rather than let the session's memory grow.
PREPARED_MAX = 64
_PLACEHOLDER = re.compile(r"%%|%s")
_NAMED = re.compile(r"%%|%\((\w+)\)s")


def fetchall(sql: str, params: list, *, using: str, prepare: bool = True) -> list[tuple]:
    """The rows of ``sql`` (Django's ``%s`` placeholders) with ``params``, planned once per
    session when ``DATABASE_PREPARED_STATEMENTS`` is on and the caller asks (``prepare``: a
    statement whose best plan depends on its values is better planned every time)."""
    with connections[using].cursor() as cursor:
        if not (prepare and settings.DATABASE_PREPARED_STATEMENTS):
            cursor.execute(sql, params)
            return cursor.fetchall()
        name = statement_name(sql)
        prepared = _prepared_in_session(using)
        if name not in prepared:
            if len(prepared) >= PREPARED_MAX:
                cursor.execute("DEALLOCATE ALL")
                prepared.clear()
            cursor.execute(prepare_text(sql))
            prepared.add(name)
        cursor.execute(execute_text(name, len(params)), params)
        return cursor.fetchall()


def positional(sql: str) -> tuple[str, list[str]]:
    """``sql`` written with named placeholders (``%(name)s``) as ``fetchall`` takes it: each
    placeholder a ``%s``; and the names in the order they appear, to send the values in (a
    name used three times is sent three times). A statement reads better with names, PREPARE
    numbers its values; done once, where the statement is defined."""
    names: list[str] = []

    def placeholder(match: re.Match) -> str:
        if match.group() == "%%":
            return "%%"
        names.append(match.group(1))
        return "%s"

    return _NAMED.sub(placeholder, sql), names


def statement_name(sql: str) -> str:
    """A name for ``sql`` that is the same in every process and session."""
    return "cp_" + hashlib.sha256(sql.encode()).hexdigest()[:24]


def prepare_text(sql: str) -> str:
    """``PREPARE name AS`` ``sql`` with its placeholders numbered ($1, $2, …): the types
    come from the statement itself (its casts and the columns compared)."""
    numbered = iter(range(1, 100_000))
    body = _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else f"${next(numbered)}", sql)
    return f"PREPARE {statement_name(sql)} AS {body}"


def execute_text(name: str, count: int) -> str:
    """``EXECUTE name(%s, …)``: the values still go through the driver's quoting."""
    return f"EXECUTE {name}({', '.join(['%s'] * count)})" if count else f"EXECUTE {name}"


def _prepared_in_session(using: str) -> set[str]:
    """The names prepared in the current session of ``using``; empty for a new connection."""
    wrapper = connections[using]
    session = wrapper.connection
    owner, names = getattr(wrapper, "_prepared_statements", (None, set()))
    if owner is not session:
        names = set()
        wrapper._prepared_statements = (session, names)
    return names
