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
    """Remember that a code was typed in this session just now: by the step-up page, and by
    the sign-in's second factor (``views.second_factor``).

    Why sign-in counts: a step-up asks for proof that the person at the keyboard holds the
    second factor *now*; a code typed at sign-in a minute ago is that same proof, verified by
    the same device with the same replay protection, in a session bound to it
    (``second_factor_binding``). Asking for another code seconds later proves nothing more and
    costs a practitioner in an emergency half a minute waiting for the next code. The proof
    still lasts only ``STEP_UP_SECONDS`` from the sign-in, and a password-only session never
    reaches this (the time is recorded only after the code is verified and the session key
    rotated), so a morning's session still types a new code before break-glass.
    """
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
