"""Words for what the lookup log holds in codes, on the pages people read (issue 17, point 5)."""

from django import template

from access.purposes import purpose_label as _purpose_label

register = template.Library()


@register.filter
def purpose_label(value: str) -> str:
    """``current_involvement`` -> "I am currently working with this child"; "" stays ""."""
    return _purpose_label(value) if value else ""
