"""Step-up: a fresh second factor before a dangerous action (break-glass, shield override,
removing a security key, replacing recovery codes).

A session verified this morning is not proof that the person at the keyboard now is its
owner; before reaching a child outside scope they use their security key again, or type a
new code if they have no key (``access.factors``), and the proof lasts only a few minutes
(``STEP_UP_SECONDS``).
"""

import time
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

_STEPPED_UP_AT = "cp_step_up_at"


def step_up_is_fresh(request: HttpRequest) -> bool:
    stepped_up = request.session.get(_STEPPED_UP_AT)
    return stepped_up is not None and time.time() - stepped_up <= settings.STEP_UP_SECONDS


def step_up_record(request: HttpRequest) -> None:
    request.session[_STEPPED_UP_AT] = time.time()


def require_step_up(view):
    """Send the user to re-enter a code unless they did within ``STEP_UP_SECONDS``; they
    come back to the same page (path only: query strings may hold search criteria)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if step_up_is_fresh(request):
            return view(request, *args, **kwargs)
        return step_up_redirect(request)

    return wrapped


def step_up_redirect(request: HttpRequest) -> HttpResponse:
    """To the step-up page, coming back to this page afterwards."""
    query = urlencode({"next": request.path})
    return redirect(f"{reverse('access:step_up')}?{query}")
