"""``{{ child.public_id|id_url:"directory:record" }}``: the address of a page about one
record, from a pattern reversed once per process.

Why (issue 16): ``{% url %}`` reverses the pattern on every use, and the search results do
it once per child; reversing was a twentieth of a search page's Python. The route is fixed
for the life of the process, so it is reversed once with a marker in place of the id, and
each address is the two halves around the id, quoted as ``reverse`` quotes an argument.
For routes with a single ``str`` argument (an id that holds no ``/``).
"""

from __future__ import annotations

from urllib.parse import quote

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.http import RFC3986_SUBDELIMS

register = template.Library()

_MARKER = "id-url-marker"
_halves: dict[tuple[str, str], tuple[str, str]] = {}


def id_url(value, route: str) -> str:
    """The address of ``route`` for the id ``value``, as ``reverse(route, args=[value])``."""
    key = (get_script_prefix(), route)
    halves = _halves.get(key)
    if halves is None:
        before, _, after = reverse(route, args=[_MARKER]).partition(_MARKER)
        halves = _halves[key] = (before, after)
    text = str(value)
    if not text or "/" in text:
        return reverse(route, args=[text])  # what reverse makes of it, or its error
    return f"{halves[0]}{quote(text, safe=RFC3986_SUBDELIMS + '~:@')}{halves[1]}"


register.filter("id_url", id_url)
