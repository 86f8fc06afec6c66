"""Step-up: a fresh second factor before a dangerous action (break-glass, shield override,
removing a security key, replacing recovery codes).

A session verified this morning is not proof that the person at the keyboard now is its
owner; before reaching a child outside scope they use their security key again, or type a
new code if they have no key (``access.sign_in.factors``), and the proof lasts only a few minutes
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
    """Remember that a second factor was used in this session just now: by the step-up page
    (code or key), and by the sign-in's key or code (``views.second_factor``,
    ``webauthn_views``) — but not a sign-in by TOTP code for someone who has a key (their
    step-up must be the key), and never a recovery code.

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
        return step_up_redirect(request)

    return wrapped


def step_up_redirect(request: HttpRequest) -> HttpResponse:
    """To the step-up page, coming back to this page afterwards."""
    query = urlencode({"next": request.path})
    return redirect(f"{reverse('access:step_up')}?{query}")
