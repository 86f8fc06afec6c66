"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error the API gives has the same shape: ``type`` (here always ``about:blank``, so the
``title`` is the HTTP status phrase), ``status``, ``detail`` in words a practitioner or the
system's developer can act on, and, where there is more, ``errors`` (the fields of a bad
request and what is wrong with each) or ``reasons`` (why the gateway refused). A not-found
never says more than its fixed text, so out of scope and non-existent answer byte for byte
alike.
"""

import json
import sys
from http import HTTPStatus

from django.db import DatabaseError
from django.http import HttpResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from access.gateway import ChildNotFound, SearchRefused
from access.middleware import RETRY_AFTER_SECONDS, dependency_unavailable

PROBLEM_JSON = "application/problem+json"
API_PREFIX = "/api/"
NOT_FOUND_DETAIL = "There is no record at this address that you can see."
AUDIT_UNAVAILABLE_DETAIL = (
    "The lookup could not be recorded in the audit log, so nothing is shown. Try again shortly."
)


def problem_response(
    status: int, detail: str, headers: dict | None = None, **extensions
) -> Response:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extensions,
    }
    return Response(body, status=status, headers=headers, content_type=PROBLEM_JSON)


def problem_exception_handler(exc, context):
    """DRF's exceptions and the gateway's, each as one problem."""
    if isinstance(exc, ChildNotFound):
        return problem_response(404, NOT_FOUND_DETAIL)
    if isinstance(exc, SearchRefused):
        return problem_response(403, " ".join(exc.reasons), reasons=exc.reasons)
    if dependency_unavailable(exc):
        # Rule (failure is closed): the audit write or the read failed (or Redis, for the
        # limits); nothing is shown.
        return _unavailable(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    headers = {
        name: value
        for name, value in response.items()
        if name in ("WWW-Authenticate", "Retry-After", "Allow")
    }
    if isinstance(exc, exceptions.ValidationError):
        detail = "The request has errors: see errors for each field."
        return problem_response(response.status_code, detail, headers, errors=exc.detail)
    if isinstance(exc, exceptions.NotFound):
        return problem_response(404, NOT_FOUND_DETAIL, headers)
    return problem_response(response.status_code, _detail(exc), headers)


def _unavailable_detail(exc) -> str:
    if isinstance(exc, DatabaseError):
        return AUDIT_UNAVAILABLE_DETAIL
    return "The service is unavailable for a moment. Nothing was shown. Try again shortly."


def _unavailable(exc) -> Response:
    """PostgreSQL, Redis or the broker failing: the pages' 503 as a problem."""
    return problem_response(
        503, _unavailable_detail(exc), {"Retry-After": str(RETRY_AFTER_SECONDS)}
    )


def _detail(exc) -> str:
    detail = getattr(exc, "detail", "")
    return str(detail) if detail else HTTPStatus(exc.status_code).phrase


def unknown_address(request, *args, **kwargs) -> HttpResponse:
    """An address under ``/api/v1/`` that names no endpoint: the same problem, byte for byte,
    as a record that is not there."""
    return _plain_problem(404, NOT_FOUND_DETAIL)


def not_found_handler(request, exception) -> HttpResponse:
    """Django's 404 (raised before any API view, e.g. ``NulInPathMiddleware``): a problem
    under ``/api/``, the pages' shared 404 everywhere else."""
    if request.path.startswith(API_PREFIX):
        return _plain_problem(404, NOT_FOUND_DETAIL)
    from directory.views import not_found

    return not_found(request, exception)


def server_error_handler(request) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        failure = sys.exc_info()[1]
        if dependency_unavailable(failure):
            response = _plain_problem(503, _unavailable_detail(failure))
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        return _plain_problem(500, "Something went wrong. Nothing was shown.")
    from directory.views import server_error

    return server_error(request)


def _plain_problem(status: int, detail: str) -> HttpResponse:
    """A problem outside DRF, in the same compact JSON as DRF's renderer writes it."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    text = json.dumps({**body, "detail": detail}, separators=(",", ":"), ensure_ascii=False)
    return HttpResponse(text, status=status, content_type=PROBLEM_JSON)
