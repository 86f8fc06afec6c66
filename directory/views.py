"""Search and record pages. Thin: parse input, call the gateway, render.

Child data reaches these views only from ``access.gateway``; every response here is
``Cache-Control: no-store`` (``access.middleware.NoStoreMiddleware``).
"""

import re
import sys

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from access.gateway import ChildNotFound, SearchRefused, child_get_for_user, child_search
from access.landing import landing_for
from access.middleware import dependency_unavailable, service_unavailable_response
from access.models import vetting_problems
from access.purposes import Purpose
from audit.writer import Actor
from contactpoint.date_input import part_names
from contactpoint.errors import NotFound, Refused

from .forms import ChildSearchForm, PurposeForm

PURPOSE_KEY = "cp_purpose"
# The criteria of the last search that matched nobody, for break-glass or an access request
# to start from (issue 17, point 3). In the server-side session, never in a URL: a redirect
# carrying them would put a child's name and birthday in logs and history
# (``access.sign_in.views``).
LAST_SEARCH_KEY = "cp_last_unmatched_search"
_PUBLIC_ID = re.compile(r"^[a-z2-7]{26}$")
_SEARCH_FIELDS = (
    "family_name", "given_name", "date_of_birth", *part_names("date_of_birth"), "postcode",
    "purpose",
)  # fmt: skip
# Sent by the purpose question's form, so that answering it with nothing chosen is told apart
# from arriving at the record without a purpose (issue 17, point 4).
_PURPOSE_ASKED = "asked"


def home(request: HttpRequest) -> HttpResponse:
    """Each role starts where its work is (``access.landing``)."""
    return redirect(landing_for(request.user).url)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """The search form and its results. A form sent with every field empty is a submission
    too (its text fields arrive empty): it gets the error summary, not the blank form again."""
    submitted = any(name in request.GET for name in _SEARCH_FIELDS)
    if not any(request.GET.get(name) for name in _SEARCH_FIELDS):
        if not request.user.reads_child_data:
            return render(request, "directory/not_a_reader.html", _landing(request))
        if not submitted:
            initial = {"purpose": request.session.get(PURPOSE_KEY)}
            return _search_form(request, ChildSearchForm(initial=initial))
    form = ChildSearchForm(request.GET)
    if not form.is_valid():
        return _search_form(request, form, status=400)
    criteria = form.criteria()
    request.session[PURPOSE_KEY] = criteria.purpose
    try:
        result = child_search(
            user=request.user, criteria=criteria, actor=Actor.from_request(request)
        )
    except GATEWAY_ERRORS as error:
        return gateway_error_response(request, error)
    if result.matches:
        request.session.pop(LAST_SEARCH_KEY, None)
    else:
        request.session[LAST_SEARCH_KEY] = criteria.for_audit()
    return render(
        request,
        "directory/search.html",
        {"form": form, "result": result, "searched": True},
    )


@require_GET
def record(request: HttpRequest, public_id: str) -> HttpResponse:
    if _PURPOSE_ASKED in request.GET:
        form = PurposeForm(request.GET)
        if not form.is_valid():
            return _purpose_page(request, form, status=400)
        purpose = form.cleaned_data["purpose"]
    else:
        purpose = request.GET.get("purpose") or request.session.get(PURPOSE_KEY)
    if purpose not in Purpose.values:
        return _purpose_page(request, PurposeForm())
    request.session[PURPOSE_KEY] = purpose
    # Malformed ids go through the same lookup and audit as well-formed ones, so a probe
    # cannot tell the cases apart; only their stored length is bounded.
    lookup_id = public_id if _PUBLIC_ID.match(public_id) else public_id[:32]
    try:
        child = child_get_for_user(
            user=request.user,
            public_id=lookup_id,
            purpose=purpose,
            actor=Actor.from_request(request),
        )
    except GATEWAY_ERRORS as error:
        return gateway_error_response(request, error)
    return render(request, "directory/record.html", {"child": child, "purpose": Purpose(purpose)})


def _purpose_page(request: HttpRequest, form: PurposeForm, status: int = 200) -> HttpResponse:
    """Asked before a record opens without a stated purpose. Nothing about the child is on it
    (the id is the one in the address), so it looks the same for any id."""
    context = {"form": form, "asked": _PURPOSE_ASKED}
    return render(request, "directory/purpose.html", context, status=status)


def _search_form(request: HttpRequest, form: ChildSearchForm, status: int = 200) -> HttpResponse:
    """The form, with the reasons a search would be refused shown before anything is typed.

    Rule (vetting): the same ``vetting_problems`` the gateway's ``ensure_may_read`` applies,
    so the warning and the refusal cannot disagree. The form stays usable: a search made
    anyway is refused, and that refusal audited, by the gateway. The rate limit is not
    foretold here, since asking it would spend a lookup.
    """
    problems = vetting_problems(request.user, today=timezone.localdate())
    context = {"form": form, "vetting_problems": problems}
    return render(request, "directory/search.html", context, status=status)


def _landing(request: HttpRequest) -> dict:
    return {"landing": landing_for(request.user), "role": request.user.get_role_display()}


# Every way a gateway read can fail without showing data. Views that catch them hand them
# to ``gateway_error_response``; anything a view lets through reaches the same function from
# ``access.middleware.ErrorPageMiddleware``.
GATEWAY_ERRORS = (SearchRefused, ChildNotFound, DatabaseError)


def gateway_error_response(request: HttpRequest, error: Exception) -> HttpResponse:
    """The one mapping from what a service raised to a page. Refused (any
    ``contactpoint.errors.Refused``): 403 with the reasons. Not found, out of scope or hidden
    (any ``NotFound``): the shared 404. A database failure (the read or its audit write):
    503 and no data; Redis or the broker failing: the same 503 in general words."""
    if isinstance(error, Refused):
        context = {"reasons": error.reasons, **_landing(request)}
        return render(request, "directory/refused.html", context, status=403)
    if isinstance(error, NotFound):
        return not_found(request, None)
    return service_unavailable_response(audit=isinstance(error, DatabaseError))


def not_found(request: HttpRequest, exception: Exception | None) -> HttpResponse:
    """One 404 page for everything: missing, out of scope and hidden look the same."""
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """An uncaught failure. One of PostgreSQL or Redis in a middleware (the session, the
    user) gets the 503 a view's would (issue 20); anything else, the 500."""
    if dependency_unavailable(sys.exc_info()[1]):
        return service_unavailable_response(audit=False)
    return render(request, "500.html", status=500)


def audit_unavailable(request: HttpRequest) -> HttpResponse:
    """Rule (audit before data): when the lookup cannot be recorded, nothing is shown. The
    page reads nothing from the database that just failed."""
    return service_unavailable_response(audit=True)
