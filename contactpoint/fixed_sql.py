"""Rows read with fixed SQL, made into model instances exactly as the ORM makes them.

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
    values = list(values)
    connection = connections[using]
    for index, expression, funcs in _converters(model, using):
        for func in funcs:
            values[index] = func(values[index], expression, connection)
    names = _attnames(model)
    if not _plain(model) or pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model.from_db(using, names, values)
    made = model.__new__(model)
    state = made._state = ModelState()
    state.adding, state.db = False, using
    made.__dict__.update(zip(names, values, strict=True))
    return made


# Rows per UPDATE of ``rows_update``: big enough that statements are few, small enough that
# one statement's arrays stay a few megabytes.
ROWS_UPDATE_CHUNK = 5000


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
        for start in range(0, len(objects), ROWS_UPDATE_CHUNK):
            chunk = objects[start : start + ROWS_UPDATE_CHUNK]
            params = [
                [_sent(field, getattr(obj, field.attname), connection, as_json) for obj in chunk]
                for field, as_json in columns
            ]
            cursor.execute(sql, params)


def _sent(field, value, connection, as_json: bool):
    prepared = field.get_db_prep_save(value, connection)
    if as_json and prepared is not None:
        return json.dumps(list(prepared))
    return prepared


def _is_array(field, connection) -> bool:
    return field.db_type(connection).endswith("[]")


@cache
def _rows_update_sql(model: type[Model], field_names: tuple[str, ...], using: str) -> str:
    connection = connections[using]
    quote = connection.ops.quote_name
    pk = model._meta.pk
    fields = [model._meta.get_field(name) for name in field_names]
    typed, named, sets = [], [], []
    for field in [pk, *fields]:
        column, kind = quote(field.column), field.db_type(connection)
        named.append(column)
        if _is_array(field, connection):
            typed.append("%s::text[]")
            value = (
                f"CASE WHEN v.{column} IS NULL THEN NULL ELSE ARRAY("
                f"SELECT jsonb_array_elements_text(v.{column}::jsonb))::{kind} END"
            )
        else:
            typed.append(f"%s::{kind}[]")
            value = f"v.{column}"
        if field is not pk:
            sets.append(f"{column} = {value}")
    table, key = quote(model._meta.db_table), quote(pk.column)
    return (
        f"UPDATE {table} AS t SET {', '.join(sets)} "  # noqa: S608 - the model's own names
        f"FROM unnest({', '.join(typed)}) AS v({', '.join(named)}) WHERE t.{key} = v.{key}"
    )
