"""``id_url`` gives the very address ``reverse`` (and so ``{% url %}``) gives."""

import pytest
from django.urls import NoReverseMatch, reverse

from contactpoint.id_urls import id_url

ROUTES = ("directory:record", "corrections:report", "corrections:involvements")


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("value", ["abcdefghijklmnopqrstuvwx27", "q" * 26, "a b%c:@!é"])
def test_it_gives_what_reverse_gives(route, value):
    assert id_url(value, route) == reverse(route, args=[value])


def test_it_refuses_what_reverse_refuses():
    with pytest.raises(NoReverseMatch):
        id_url("a/b", "directory:record")
