"""The security-key ceremonies: the JSON endpoints that django-otp-webauthn's browser script
calls to add a key, to sign in with one and to step up with one.

The library's views are extended, not mounted as they are: here a key is added only from a
fully verified session, a sign-in by key rotates and binds the session like any other second
factor (``services.second_factor_login``), a step-up by key records only the step-up, and
each of these — and each failed assertion — is audited. Each ceremony keeps its challenge
under its own session key, so a challenge issued for signing in cannot finish a step-up.
"""

import logging

from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.urls import reverse
from django_otp_webauthn import exceptions
from django_otp_webauthn.utils import rewrite_exceptions
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from audit.models import AccessEvent
from audit.writer import Actor, access_event_record_now

from ..landing import landing_for
from ..services import second_factor_login
from .factors import has_security_key
from .next_url import after_sign_in_url, safe_next
from .security_keys import security_key_added, security_key_used
from .step_up import step_up_record

_LOGGER = logging.getLogger("django_otp_webauthn")
_SIGN_IN_STATE = "cp_key_sign_in_state"
_STEP_UP_STATE = "cp_key_step_up_state"


def ceremony_config(request, *, purpose: str) -> dict:
    """What the library's script reads from the page (``json_script``): where to begin and
    complete each ceremony, and the CSRF token it sends with every call. ``purpose`` is
    ``sign_in`` or ``step_up``; registration is the same for every page."""
    return {
        "csrfToken": get_token(request),
        "beginRegistrationUrl": reverse("access:key_register_begin"),
        "completeRegistrationUrl": reverse("access:key_register_complete"),
        "beginAuthenticationUrl": reverse(f"access:key_{purpose}_begin"),
        "completeAuthenticationUrl": reverse(f"access:key_{purpose}_complete"),
        "autocompleteLoginFieldSelector": None,
        "nextFieldSelector": "input[name='next']",
    }


class _FromVerifiedSession:
    """Rule: a key is added only by someone who has already passed the second factor in this
    session; a password alone must never be enough to attach a new factor."""

    def check_can_register(self):
        if not self.request.user.is_verified():
            raise exceptions.NotVerified()


class KeyRegistrationBegin(_FromVerifiedSession, BeginCredentialRegistrationView):
    pass


class KeyRegistrationComplete(_FromVerifiedSession, CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs):
        state = self.get_state()
        with rewrite_exceptions(logger=_LOGGER):
            key = self.get_helper().register_complete(
                user=self.request.user, state=state, data=self.request.data
            )
        security_key_added(actor=Actor.from_request(self.request), key=key)
        name_url = reverse("account:security_key_name", args=[key.pk])
        return JsonResponse({"id": key.pk, "redirect_url": name_url})


class _AssertionBegin(BeginCredentialAuthenticationView):
    state_key = ""

    def check_can_authenticate(self):
        user = self.request.user
        if not (user.is_authenticated and user.is_active):
            raise exceptions.NotAuthenticated()
        if not has_security_key(user):
            raise exceptions.CredentialNotFound()

    def post(self, *args, **kwargs):
        data, state = self.get_helper().authenticate_begin(
            user=self.request.user, require_user_verification=False
        )
        self.request.session[self.state_key] = state
        return JsonResponse(data)


class _AssertionComplete(CompleteCredentialAuthenticationView):
    """The library's completion (the key must be this user's, confirmed, and sign a fresh
    challenge for our RP ID from an allowed origin), with our state key and an audited
    failure."""

    state_key = ""

    def check_can_authenticate(self):
        if not self.request.user.is_authenticated:
            raise exceptions.NotAuthenticated()

    def get_state(self):
        state = self.request.session.pop(self.state_key, None)
        self.request.session.save()
        if not state:
            raise exceptions.InvalidState()
        return state

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.OTPWebAuthnApiError) and self.request.user.is_authenticated:
            access_event_record_now(
                actor=Actor.from_request(self.request),
                action=AccessEvent.Action.SECOND_FACTOR_FAILED,
                outcome=AccessEvent.Outcome.FAILED,
                reason=f"security key refused: {exc.code}",
            )
        return super().handle_exception(exc)


class KeySignInBegin(_AssertionBegin):
    state_key = _SIGN_IN_STATE


class KeySignInComplete(_AssertionComplete):
    state_key = _SIGN_IN_STATE

    def complete_auth(self, device):
        second_factor_login(request=self.request, device=device)
        step_up_record(self.request)  # the key just used is a step-up's proof (step_up_record)
        security_key_used(actor=Actor.from_request(self.request), key=device, purpose="sign-in")

    def get_success_url(self):
        return after_sign_in_url(self.request)


class _VerifiedOnly:
    """Step-up is for a fully signed-in session (``access.sign_in.step_up``)."""

    def check_can_authenticate(self):
        super().check_can_authenticate()
        if not self.request.user.is_verified():
            raise exceptions.NotVerified()


class KeyStepUpBegin(_VerifiedOnly, _AssertionBegin):
    state_key = _STEP_UP_STATE


class KeyStepUpComplete(_VerifiedOnly, _AssertionComplete):
    state_key = _STEP_UP_STATE

    def complete_auth(self, device):
        step_up_record(self.request)
        security_key_used(actor=Actor.from_request(self.request), key=device, purpose="step-up")

    def get_success_url(self):
        return safe_next(self.request) or landing_for(self.request.user).url
