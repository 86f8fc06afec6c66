"""Rows read with fixed SQL, made into model instances exactly as the ORM makes them; and
many rows written at once (``rows_update``, ``rows_insert``) without the ORM's statement
building.

Why (issue 16): on the pages every practitioner opens (the signed-in user, the record page,
the audit insert), building and compiling ORM queries cost more CPU than PostgreSQL spent
running them. There, statements are written once per process from the models' own fields
(``columns``), so a column added by a migration is read without a change to the statement,
and each row becomes an instance through ``Model.from_db`` after the same converters the
ORM applies (a JSON field is parsed, for instance). Only the query building is skipped.

An instance is made as ``Model.__init__`` makes one from a row, without calling it, when
that changes nothing: the model keeps Django's own ``__init__`` and ``from_db``, nothing
listens to its ``pre_init`` or ``post_init`` signals, and no field's attribute does anything
on assignment beyond storing the value (Django's plain and foreign-key attributes). Then
the values go straight into the instance's ``__dict__``, as ``__init__``'s assignments
would put them; otherwise ``Model.from_db`` makes it (issue 16: ``__init__`` was a third of
the time to read a record page's dozen rows).
"""

from __future__ import annotations

import json
from functools import cache
from inspect import getattr_static

from django.db import connections
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

_PLAIN_ATTRIBUTES = (type(None), DeferredAttribute, ForeignKeyDeferredAttribute)


def columns(model: type[Model], alias: str) -> str:
    """Every concrete column of ``model`` from the table aliased ``alias``, in field order."""
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


def width(model: type[Model]) -> int:
    return len(model._meta.concrete_fields)


@cache
def _converters(model: type[Model], vendor_alias: str) -> tuple:
    connection = connections[vendor_alias]
    found = []
    for index, field in enumerate(model._meta.concrete_fields):
        expression = field.get_col(model._meta.db_table)
        funcs = connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        )
        if funcs:
            found.append((index, expression, tuple(funcs)))
    return tuple(found)


@cache
def _attnames(model: type[Model]) -> tuple[str, ...]:
    return tuple(field.attname for field in model._meta.concrete_fields)


@cache
def _plain(model: type[Model]) -> bool:
    """Whether ``__init__`` would only store each value (see the module docstring); the
    signals are asked on each call, since a receiver may connect later."""
    return (
        model.__init__ is Model.__init__
        and model.from_db.__func__ is Model.from_db.__func__
        and all(
            type(getattr_static(model, name, None)) in _PLAIN_ATTRIBUTES
            for name in _attnames(model)
        )
    )


def instance(model: type[Model], values, using: str) -> Model:
    """A ``model`` instance from the values of ``columns(model, ...)``, as the ORM makes it."""
    return instances(model, [values], using)[0]


def instances(model: type[Model], rows, using: str) -> list[Model]:
    """``instance`` for each of ``rows``, the connection, converters and the choice of how
    to make them looked up once (per row, the connection handler's lookup alone was a
    twentieth of a national feed's apply stage, sampled with py-spy)."""
    connection = connections[using]
    converters = _converters(model, using)
    names = _attnames(model)
    if not _plain(model) or pre_init.has_listeners(model) or post_init.has_listeners(model):
        made = None
    else:
        made = model.__new__
    out = []
    for row in rows:
        values = list(row)
        for index, expression, funcs in converters:
            for func in funcs:
                values[index] = func(values[index], expression, connection)
        if made is None:
            out.append(model.from_db(using, names, values))
            continue
        obj = made(model)
        state = obj._state = ModelState()
        state.adding, state.db = False, using
        obj.__dict__.update(zip(names, values, strict=True))
        out.append(obj)
    return out


def rows_among(model: type[Model], field_name: str, values: list, *, using: str = "default"):
    """Every row of ``model`` whose ``field_name`` is one of ``values``, as instances, in
    primary-key order: ``filter(<field>__in=values).order_by("pk")`` without building the
    query, and each row made by ``instances``.

    Why: a national feed reads the 470,000 children it changes, with their carers and
    involvements, before applying it; through the ORM, making those 1.5 million instances
    was two fifths of the apply stage (session 11, issue 12: sampled with py-spy)."""
    meta = model._meta
    quote = connections[using].ops.quote_name
    column = quote(meta.get_field(field_name).column)
    sql = (
        f"SELECT {columns(model, 't')} FROM {quote(meta.db_table)} t "  # noqa: S608 - own names
        f"WHERE t.{column} = ANY(%s) ORDER BY t.{quote(meta.pk.column)}"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [list(values)])
        return instances(model, cursor.fetchall(), using)


# Rows per statement of ``rows_update`` and ``rows_insert``: big enough that statements are
# few, small enough that one statement's arrays stay a few megabytes.
ROWS_CHUNK = 5000


def rows_update(
    model: type[Model], objects: list[Model], field_names: list[str], *, using: str = "default"
) -> None:
    """Write ``field_names`` of saved ``objects``, each row to its own values: one
    ``UPDATE … FROM unnest(<an array per column>)`` per chunk, matched on the primary key.

    Why not ``QuerySet.bulk_update``: it writes a ``CASE WHEN id = … THEN …`` per field and
    object, built as Python expressions; a national feed changes some 466,000 children, and
    building those took minutes of one core (session 10, issue 12), more than PostgreSQL
    spent writing. Each value is still its field's ``get_db_prep_save`` (what ``save`` and
    ``bulk_update`` send), cast to the column's type; an array column travels as JSON text
    (an array of arrays would be flattened by ``unnest``). Like ``bulk_update``, it runs no
    ``pre_save`` (``auto_now`` is the caller's) and sends no signal.
    """
    if not objects:
        return
    connection = connections[using]
    pk = model._meta.pk
    fields = [model._meta.get_field(name) for name in field_names]
    sql = _rows_update_sql(model, tuple(field_names), using)
    # Whether each column travels as JSON, decided once per field, not once per value.
    columns = [(field, _is_array(field, connection)) for field in [pk, *fields]]
    with connection.cursor() as cursor:
        for start in range(0, len(objects), ROWS_CHUNK):
            chunk = objects[start : start + ROWS_CHUNK]
            params = [
                [_sent(field, getattr(obj, field.attname), connection, as_json) for obj in chunk]
                for field, as_json in columns
            ]
            cursor.execute(sql, params)


def rows_insert(
    model: type[Model],
    objects: list[Model],
    *,
    conflict: tuple[str, ...] = (),
    update: tuple[str, ...] = (),
    using: str = "default",
) -> None:
    """Insert new ``objects``: one ``INSERT … SELECT … FROM unnest(<an array per column>)``
    per chunk, then each object holds its new primary key and generated columns, as after
    ``bulk_create``.

    Why not ``QuerySet.bulk_create``: it compiles each statement through the ORM's insert
    compiler (Django 5.2 sends an unnest too, but builds it value by value); a national feed
    inserts some 470,000 involvements and 500,000 feed links. Measured interleaved (session
    11, issue 12): 60,000 involvements, 0.87–0.99 s of Python through ``bulk_create``, 0.65
    here, the same PostgreSQL time. Each object is prepared as
    ``bulk_create`` prepares it: related objects saved in the same batch give their ids
    (``_prepare_related_fields_for_save``), each field's ``pre_save`` (an ``auto_now_add``
    stamp) and ``get_db_prep_save``. Like ``bulk_create`` it sends no signal and calls no
    ``save``. Objects either all have their primary key (drawn before, as sealed rows do)
    or none has. ``conflict``/``update``: on a clash on the unique fields ``conflict``,
    the row's ``update`` fields take the new values (``ON CONFLICT … DO UPDATE``).
    """
    objects = list(objects)
    if not objects:
        return
    connection = connections[using]
    meta = model._meta
    given = {obj.pk is not None for obj in objects}
    if len(given) > 1:
        raise ValueError("rows_insert: either every object has its primary key or none has")
    keyed = given.pop()
    fields = [f for f in meta.concrete_fields if not f.generated and (keyed or f is not meta.pk)]
    returned = [f for f in meta.db_returning_fields if f.generated or (not keyed and f is meta.pk)]
    for obj in objects:
        obj._prepare_related_fields_for_save(operation_name="rows_insert")
    columns = [
        [_sent(field, field.pre_save(obj, True), connection, as_json) for obj in objects]
        for field, as_json in ((f, _is_array(f, connection)) for f in fields)
    ]
    rows = columns_insert(
        model, tuple(f.name for f in fields), columns, conflict=conflict, update=update,
        returning=tuple(f.name for f in returned), using=using,
    )  # fmt: skip
    converters = dict(_field_converters(model, using))
    for obj, row in zip(objects, rows or [()] * len(objects), strict=True):
        for field, value in zip(returned, row, strict=True):
            for func, expression in converters.get(field.name, ()):
                value = func(value, expression, connection)
            setattr(obj, field.attname, value)
        obj._state.adding, obj._state.db = False, using


def columns_insert(
    model: type[Model],
    field_names: tuple[str, ...],
    columns: list[list],
    *,
    conflict: tuple[str, ...] = (),
    update: tuple[str, ...] = (),
    returning: tuple[str, ...] = (),
    using: str = "default",
) -> list[tuple]:
    """Insert rows given as one list of values per field of ``field_names``, each value as
    the field's ``get_db_prep_save`` gives it (an array as JSON text): ``rows_insert``'s
    statement, for a caller that holds plain values rather than objects (a national feed's
    links). Returns the ``returning`` columns of each row, in the order given (PostgreSQL
    inserts and returns an unnest's rows in order, as ``bulk_create`` relies on too)."""
    sql = _rows_insert_sql(model, tuple(field_names), returning, conflict, update, using)
    count = len(columns[0]) if columns else 0
    returned: list[tuple] = []
    with connections[using].cursor() as cursor:
        for start in range(0, count, ROWS_CHUNK):
            cursor.execute(sql, [column[start : start + ROWS_CHUNK] for column in columns])
            if returning:
                returned += cursor.fetchall()
    return returned


def _sent(field, value, connection, as_json: bool):
    if hasattr(value, "as_sql"):
        # An expression (the database's own default, say) cannot travel in an array.
        raise TypeError(f"{field}: an expression, not a value; use bulk_create")
    prepared = field.get_db_prep_save(value, connection)
    if as_json and prepared is not None:
        return json.dumps(list(prepared))
    return prepared


def _is_array(field, connection) -> bool:
    return field.db_type(connection).endswith("[]")


@cache
def _field_converters(model: type[Model], using: str) -> tuple:
    """(field name, ((converter, expression), …)) of the fields that have converters."""
    fields = model._meta.concrete_fields
    return tuple(
        (fields[index].name, tuple((func, expression) for func in funcs))
        for index, expression, funcs in _converters(model, using)
    )


def _unnest_input(fields, connection) -> tuple[list[str], list[str], list[str]]:
    """For an ``unnest(…) AS v(…)`` of ``fields``: each column's typed placeholder, its
    quoted name, and the expression reading its value back from ``v``."""
    quote = connection.ops.quote_name
    typed, named, values = [], [], []
    for field in fields:
        column, kind = quote(field.column), field.db_type(connection)
        named.append(column)
        if _is_array(field, connection):
            typed.append("%s::text[]")
            values.append(
                f"CASE WHEN v.{column} IS NULL THEN NULL ELSE ARRAY("
                f"SELECT jsonb_array_elements_text(v.{column}::jsonb))::{kind} END"
            )
        else:
            typed.append(f"%s::{kind}[]")
            values.append(f"v.{column}")
    return typed, named, values


@cache
def _rows_update_sql(model: type[Model], field_names: tuple[str, ...], using: str) -> str:
    connection = connections[using]
    quote = connection.ops.quote_name
    pk = model._meta.pk
    fields = [pk, *(model._meta.get_field(name) for name in field_names)]
    typed, named, values = _unnest_input(fields, connection)
    sets = [f"{column} = {value}" for column, value in zip(named[1:], values[1:], strict=True)]
    table, key = quote(model._meta.db_table), quote(pk.column)
    return (
        f"UPDATE {table} AS t SET {', '.join(sets)} "  # noqa: S608 - the model's own names
        f"FROM unnest({', '.join(typed)}) AS v({', '.join(named)}) WHERE t.{key} = v.{key}"
    )


@cache
def _rows_insert_sql(
    model: type[Model],
    field_names: tuple[str, ...],
    returned: tuple[str, ...],
    conflict: tuple[str, ...],
    update: tuple[str, ...],
    using: str,
) -> str:
    connection = connections[using]
    quote = connection.ops.quote_name
    meta = model._meta
    typed, named, values = _unnest_input([meta.get_field(n) for n in field_names], connection)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(named)}) "  # noqa: S608 - own names
        f"SELECT {', '.join(values)} FROM unnest({', '.join(typed)}) AS v({', '.join(named)})"
    )
    if conflict:
        keys = ", ".join(quote(meta.get_field(n).column) for n in conflict)
        sets = ", ".join(
            f"{quote(meta.get_field(n).column)} = EXCLUDED.{quote(meta.get_field(n).column)}"
            for n in update
        )
        sql += f" ON CONFLICT ({keys}) " + (f"DO UPDATE SET {sets}" if sets else "DO NOTHING")
    if returned:
        sql += " RETURNING " + ", ".join(quote(meta.get_field(n).column) for n in returned)
    return sql
