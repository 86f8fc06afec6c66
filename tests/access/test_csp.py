"""The Content-Security-Policy issues a real nonce (issue 14, finding 9): the header carried
the literal ``'nonce'``, which allows nothing and means nothing.

A page whose template reads ``request.csp_nonce`` gets a fresh ``'nonce-…'`` matching the
page; a page that reads none (the shared 404 above all) carries none, so it stays
byte-identical for charlie, who must not learn whether Maya exists.
"""

import re

from csp.decorators import csp_update
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from django.conf import settings
from django.http import HttpResponse
from django.template import engines
from django.test import RequestFactory

from contactpoint.content_policy import CSPMiddleware

POLICY = "Content-Security-Policy"
INLINE = '<script nonce="{{ request.csp_nonce }}">document.title = "x";</script>'


def _nonces(header: str) -> list[str]:
    return re.findall(r"'nonce-([A-Za-z0-9+/=]+)'", header)


def test_it_never_sends_the_literal_nonce_keyword(world, as_user, client):
    for response in (client.get("/accounts/login/"), as_user(world.alice).get("/search/")):
        assert "'nonce'" not in response[POLICY]
        assert "script-src 'self'" in response[POLICY]


def _page_with_inline_script(request) -> HttpResponse:
    template = engines["django"].from_string(INLINE)
    return HttpResponse(template.render({}, request))


def test_it_issues_a_fresh_nonce_to_a_page_with_an_inline_script():
    assert "contactpoint.content_policy.CSPMiddleware" in settings.MIDDLEWARE
    middleware = CSPMiddleware(_page_with_inline_script)
    seen = []
    for _ in range(2):
        response = middleware(RequestFactory().get("/"))
        body_nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
        assert _nonces(response[POLICY]) == [body_nonce, body_nonce]
        seen.append(body_nonce)
    assert seen[0] != seen[1]


def test_it_keeps_the_not_found_page_free_of_any_nonce(world, as_user):
    client = as_user(world.charlie)
    maya = client.get(f"/children/{world.maya.public_id}/", {"purpose": "referral"})
    nobody = client.get(f"/children/{'a' * 26}/", {"purpose": "referral"})
    assert maya.status_code == nobody.status_code == 404
    assert not _nonces(maya[POLICY])
    assert maya[POLICY] == nobody[POLICY]
    assert maya.content == nobody.content


def _directives(header: str) -> set[str]:
    return set(header.split("; "))


def _same_request_both_ways(view, *, nonce: bool):
    """The header from ours and from django-csp's middleware for one request."""
    request = RequestFactory().get("/")
    headers = []
    for middleware in (CSPMiddleware(view), DjangoCSPMiddleware(view)):
        middleware.process_request(request)
        if nonce:
            str(request.csp_nonce)
        headers.append(middleware.process_response(request, view(request))[POLICY])
    return headers


def test_it_sends_the_header_django_csp_would_send():
    """The policy's text is made once per process (issue 16); what it says is django-csp's."""
    for nonce in (True, False):
        ours, theirs = _same_request_both_ways(lambda request: HttpResponse(), nonce=nonce)
        assert _directives(ours) == _directives(theirs)
        assert bool(_nonces(ours)) is nonce


def test_it_leaves_a_response_with_its_own_policy_to_django_csp():
    @csp_update({"img-src": "https://maps.example"})
    def view(request):
        return HttpResponse()

    ours, theirs = _same_request_both_ways(view, nonce=False)
    assert "https://maps.example" in ours
    assert _directives(ours) == _directives(theirs)
