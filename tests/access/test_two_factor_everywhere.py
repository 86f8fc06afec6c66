"""Rule: no page beyond the login steps answers a session without a verified second factor."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

# info/: help, accessibility statement, privacy notice: open by design (contactpoint.info_views).
# api/: never a session; each call needs a connecting system and a practitioner's token issued
# after a second factor (tests/api/test_api_basics.py checks it answers 401 to any session).
OPEN_PREFIXES = ("accounts/", "static/", "healthz", "info/", "api/")
SAMPLE_ARGS = {
    "public_id": "a" * 26,
    "object_id": "1",
    "app_label": "access",
    "pk": "1",
    "request_id": "1",
}


def _paths(resolver: URLResolver, prefix: str = "") -> list[str]:
    """Every concrete path the project serves, with sample values for its parameters."""
    paths = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            paths.extend(_paths(entry, route))
        elif isinstance(entry, URLPattern):
            paths.append(route)
    return paths


def _concrete(route: str) -> str | None:
    if "(?P" in route or route.startswith("^"):
        route = route.lstrip("^").rstrip("$").replace("\\", "")
        if "(" in route:
            return None
    for name, value in SAMPLE_ARGS.items():
        for converter in ("str", "int", "path", "slug"):
            route = route.replace(f"<{converter}:{name}>", value)
        route = route.replace(f"<{name}>", value)
    return None if "<" in route else "/" + route


PROTECTED = sorted(
    {
        path
        for route in _paths(get_resolver())
        if not route.lstrip("^").startswith(OPEN_PREFIXES)
        and (path := _concrete(route)) is not None
    }
)


def test_it_knows_the_child_and_admin_pages():
    assert "/search/" in PROTECTED
    assert f"/children/{'a' * 26}/" in PROTECTED
    assert "/admin/" in PROTECTED


@pytest.mark.parametrize("path", PROTECTED)
def test_it_sends_an_anonymous_visitor_to_sign_in(db, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"


@pytest.mark.parametrize("path", PROTECTED)
def test_it_sends_a_password_only_session_to_the_second_factor(world, path):
    client = Client()
    client.force_login(world.ada)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/second-factor/"
