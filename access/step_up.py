"""Step-up: a fresh second factor before a dangerous action (break-glass, shield override).

A session verified this morning is not proof that the person at the keyboard now is its
owner; before reaching a child outside scope they type a new code, and the proof lasts only
a few minutes (``STEP_UP_SECONDS``).
"""

import time
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
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
        query = urlencode({"next": request.path})
        return redirect(f"{reverse('access:step_up')}?{query}")

    return wrapped
