"""Lookups started by another website are not run: the user confirms them on our own page.

Rule (every look is the user's own): each search and record view is audited in the signed-in
user's name, so a page elsewhere that links or redirects to a search or record URL would make
a lookup the user never chose — a way to frame a colleague for misuse or spend their lookup
allowance. Browsers say where a request came from in Fetch Metadata (``Sec-Fetch-Site``);
on ``cross-site`` the lookup does not run and nothing is audited, and the user is shown what
the link asks for with a button that sends it again from this site. Same-origin and
same-site requests, a typed address or bookmark (``none``) and clients that send no Fetch
Metadata (the API's connecting systems, scripts) are unaffected, as the contract requires.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

from .purposes import Purpose

# The views that look children up from a GET, which a link from anywhere can reach. Those
# named here look one child up by the id in their path; the rest need a query to look
# anyone up. The who-viewed report is itself an audited lookup of the child.
ONE_CHILD_VIEWS = {"directory:record": "record", "audit:child_viewers": "report"}
LOOKUP_VIEWS = frozenset({"directory:search", "break_glass:directory_search", *ONE_CHILD_VIEWS})
# What the confirmation page shows of a search, in this order, with these labels.
_CRITERIA = (
    ("family_name", "Family name"),
    ("given_name", "Given name"),
    ("date_of_birth", "Date of birth"),
    ("postcode", "Postcode"),
)


def is_lookup_path(path: str) -> bool:
    """Whether ``path`` is a page that looks children up (search, record, directory search)."""
    try:
        return resolve(path).view_name in LOOKUP_VIEWS
    except Resolver404:
        return False


def _is_cross_site(request: HttpRequest) -> bool:
    return request.headers.get("Sec-Fetch-Site", "").strip().lower() == "cross-site"


class CrossSiteLookupMiddleware:
    """Answers a cross-site request for a lookup with the confirmation page instead of the
    view. Scoped to ``LOOKUP_VIEWS`` by the resolved view, so every other page is untouched;
    an empty search form (no query) looks nobody up and is let through."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.view_name not in LOOKUP_VIEWS or not _is_cross_site(request):
            return None
        what = ONE_CHILD_VIEWS.get(match.view_name)
        if what is None and not request.GET:
            return None
        return lookup_confirmation(request, public_id=view_kwargs.get("public_id"), what=what)


def lookup_confirmation(
    request: HttpRequest, *, public_id: str | None, what: str | None = None
) -> HttpResponse:
    """The page that asks the user to confirm a lookup a link from elsewhere asked for. It
    shows only what the link itself carried, never anything about a child. ``what`` is
    "record" or "report" for a lookup of one child by id, None for a search."""
    query = request.GET
    purpose = query.get("purpose", "")
    context = {
        "record": public_id is not None,
        "report": what == "report",
        "public_id": (public_id or "")[:32],
        "criteria": [(label, query[name]) for name, label in _CRITERIA if query.get(name)],
        "purpose": Purpose(purpose).label if purpose in Purpose.values else purpose,
        "resend": [(name, value) for name, values in query.lists() for value in values],
    }
    return render(request, "access/cross_site_lookup.html", context)
