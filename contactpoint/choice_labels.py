"""A choice field's label, from a table made once per field.

Why (issue 16): Django's ``get_FOO_display`` builds a dictionary of all the field's choices
on every call (about 14 µs); the record page calls it for the child's gender and twice per
service, the search once per result. The table holds the labels as declared (a lazy
translation stays lazy), so each call still gives the label in the active language. A field
whose choices are a callable, which Django asks afresh on each call, goes through
``get_FOO_display`` as before.
"""

from __future__ import annotations

from functools import cache

from django.db.models import Field, Model
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


def choice_label(instance: Model, name: str) -> str:
    """What ``instance.get_<name>_display()`` returns."""
    field = instance._meta.get_field(name)
    labels = _labels(field)
    if labels is None:
        return getattr(instance, f"get_{name}_display")()
    value = getattr(instance, field.attname)
    return force_str(labels.get(make_hashable(value), value), strings_only=True)


@cache
def _labels(field: Field) -> dict | None:
    if not isinstance(field.choices, list | tuple):
        return None
    return dict(make_hashable(field.flatchoices))
