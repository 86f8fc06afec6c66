"""Sealed fields on a model: read and written as text, stored only sealed.

Rule (protection at rest): every writer of a child's or carer's address and contacts — the
ORM, bulk loads, feeds, corrections — stores them sealed, and every reader gets them through
the gateway's model instances. So the model keeps the field names (``child.postcode``) as
properties over ``<name>_sealed`` columns: code that reads or sets an instance keeps working,
and code that asks the database for the plaintext column (``values("postcode")``, a filter,
raw SQL) fails loudly instead of reading nothing.

A row is sealed whole: whenever any of its sealed values changes, all of them are sealed
again under the current data key, and ``sealed_with`` names that key, so ``rotate_keys`` can
find the rows still under an older one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connection, models

from contactpoint import fixed_sql

from . import keyring
from .cipher import bound_to, seal

_DIRTY = object()


def _text(obj, name: str) -> str:
    """The plaintext of sealed field ``name`` of ``obj``, opened once per sealed value."""
    cache = obj.__dict__.setdefault("_sealed_clear", {})
    raw = getattr(obj, f"{name}_sealed")
    held = cache.get(name)
    if held is not None and (held[0] is _DIRTY or held[0] is raw):
        return held[1]
    text = obj.sealed_open(name, raw)
    cache[name] = (raw, text)
    return text


def _put(obj, name: str, text: str) -> None:
    obj.__dict__.setdefault("_sealed_clear", {})[name] = (_DIRTY, text)


def sealed(name: str) -> property:
    """A text property over the ``<name>_sealed`` column (a property, so that
    ``Model(name=...)`` works as it does for a field)."""
    return property(
        lambda self: _text(self, name),
        lambda self, value: _put(self, name, value or ""),
        doc=f"{name}, sealed at rest in {name}_sealed",
    )


def sealed_json(name: str) -> property:
    """A JSON value (a dict) sealed as its text, like ``sealed``; an empty one reads ``{}``."""
    return property(
        lambda self: json.loads(_text(self, name) or "{}"),
        lambda self, value: _put(self, name, json.dumps(value, sort_keys=True)),
        doc=f"{name} (JSON), sealed at rest in {name}_sealed",
    )


class SealedModel(models.Model):
    """A model with sealed fields (``SEALED``), bound to the row named by ``seal_row()``."""

    SEALED: tuple[str, ...] = ()
    # Columns derived from the plaintext (blind indexes), written with every reseal.
    DERIVED: tuple[str, ...] = ()
    # Fields besides the primary key that name the row in the binding.
    BINDING: tuple[str, ...] = ()
    # The row binding is the primary key, drawn from the sequence before the first insert.
    SEAL_BY_PK = True

    sealed_with = models.IntegerField(
        null=True, blank=True, editable=False, help_text="The data key this row is sealed under."
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.sealed_dirty():
            if self.pk is None and self.SEAL_BY_PK:
                self.pk = ids_reserve(type(self), 1)[0]
                kwargs.setdefault("force_insert", True)
            self.seal()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = translate_fields(type(self), kwargs["update_fields"])
        super().save(*args, **kwargs)

    def seal_row(self) -> str:
        return str(self.pk)

    def sealed_open(self, name: str, raw) -> str:
        return self.sealed_text(name, raw, row=self.seal_row())

    @classmethod
    def sealed_text(cls, name: str, raw, *, row: str) -> str:
        """The text of ``raw``, the sealed ``name`` of the row ``row`` (a column read by SQL
        rather than through an instance)."""
        if raw is None:
            return ""
        return keyring.text_open(bytes(raw), binding=bound_to(cls._meta.db_table, name, row))

    def sealed_dirty(self) -> bool:
        held = self.__dict__.get("_sealed_clear", {})
        return self.sealed_with is None or any(v[0] is _DIRTY for v in held.values())

    def seal(self, key: keyring.DataKey | None = None) -> None:
        """Seal every sealed value of the row again, under ``key`` (default: the current)."""
        key = key or keyring.current_key()
        texts = {name: _text(self, name) for name in self.SEALED}
        binding_row = self.seal_row()
        cache = self.__dict__.setdefault("_sealed_clear", {})
        for name, text in texts.items():
            raw = seal(
                text,
                key_id=key.id,
                key=key.aead,
                binding=bound_to(self._meta.db_table, name, binding_row),
            )
            setattr(self, f"{name}_sealed", raw)
            cache[name] = (raw, text)
        self.sealed_with = key.id
        self.sealed_derive(texts)

    def sealed_derive(self, texts: dict[str, str]) -> None:
        """Columns derived from the plaintext when it is sealed (blind indexes)."""

    @classmethod
    def sealed_columns(cls) -> list[str]:
        return [f"{name}_sealed" for name in cls.SEALED] + ["sealed_with"]


def translate_fields(model: type[SealedModel], fields: Iterable[str]) -> list[str]:
    """Field names with each sealed property replaced by every column a reseal writes."""
    out: list[str] = []
    for name in fields:
        if name in model.SEALED:
            wanted = [*model.sealed_columns(), *model.DERIVED, *model.BINDING]
            out += [c for c in wanted if c not in out]
        elif name not in out:
            out.append(name)
    return out


def ids_reserve(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys drawn from the table's own sequence (the row binding of a
    value must be known before the row is inserted)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def seal_many(objs: list[SealedModel]) -> None:
    """Seal the objects that need it, under one key, drawing missing ids in one query."""
    dirty = [obj for obj in objs if obj.sealed_dirty()]
    if not dirty:
        return
    model = type(dirty[0])
    if model.SEAL_BY_PK:
        missing = [obj for obj in dirty if obj.pk is None]
        for obj, pk in zip(missing, ids_reserve(model, len(missing)), strict=True):
            obj.pk = pk
    key = keyring.current_key()
    for obj in dirty:
        obj.seal(key)


class SealedQuerySet(models.QuerySet):
    """Bulk writes seal first; ``only``/``defer``/``bulk_update`` accept the sealed names."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        seal_many(objs)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        if set(fields) & set(self.model.SEALED):
            seal_many(objs)
        return super().bulk_update(objs, translate_fields(self.model, fields), *args, **kwargs)

    def rows_update(self, objs, fields) -> None:
        """``fixed_sql.rows_update`` (many rows, each its own values, in a few statements)
        with the sealed properties sealed first and written as their columns, as
        ``bulk_update`` does."""
        objs = list(objs)
        if set(fields) & set(self.model.SEALED):
            seal_many(objs)
        fixed_sql.rows_update(self.model, objs, translate_fields(self.model, fields), using=self.db)

    def rows_insert(self, objs) -> None:
        """``fixed_sql.rows_insert`` (many new rows in a few statements), sealed first, as
        ``bulk_create`` does."""
        objs = list(objs)
        seal_many(objs)
        fixed_sql.rows_insert(self.model, objs, using=self.db)

    def only(self, *fields):
        return super().only(*translate_fields(self.model, fields))

    def defer(self, *fields):
        return super().defer(*translate_fields(self.model, fields))
