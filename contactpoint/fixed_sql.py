"""Rows read with fixed SQL, made into model instances exactly as the ORM makes them.

Why (issue 16): on the pages every practitioner opens (the signed-in user, the record page,
the audit insert), building and compiling ORM queries cost more CPU than PostgreSQL spent
running them. There, statements are written once per process from the models' own fields
(``columns``), so a column added by a migration is read without a change to the statement,
and each row becomes an instance through ``Model.from_db`` after the same converters the
ORM applies (a JSON field is parsed, for instance). Only the query building is skipped.
"""

from __future__ import annotations

from functools import cache

from django.db import connections
from django.db.models import Model


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


def instance(model: type[Model], values, using: str) -> Model:
    """A ``model`` instance from the values of ``columns(model, ...)``, as the ORM makes it."""
    values = list(values)
    connection = connections[using]
    for index, expression, funcs in _converters(model, using):
        for func in funcs:
            values[index] = func(values[index], expression, connection)
    names = [field.attname for field in model._meta.concrete_fields]
    return model.from_db(using, names, values)
