"""Login in two steps — password, then a second factor — enrolment, step-up and sign-out.

A session that has passed the password step but not the second factor may reach only these
views (``RequireTwoFactorMiddleware``). The second factor is a security key (its ceremony is
in ``access.sign_in.webauthn_views``), a TOTP code or a recovery code; which of them a user may use
is decided in ``access.sign_in.factors``. Each is checked against the user's own device, with
django-otp's throttling for codes, and once it is verified the session gets a new key and
its binding (``services.second_factor_login``), as it got a new key at the password step.
"""

from django.contrib import auth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from audit.models import AccessEvent
from audit.writer import Actor, access_event_record_now

from ..landing import landing_for
from ..services import second_factor_login
from . import factors, throttle, two_factor
from .enrolment_codes import enrolment_code_accepted, enrolment_code_needed, enrolment_code_spend
from .forms import PasswordForm, RecoveryCodeForm, TokenForm
from .next_url import NEXT_SESSION_KEY, after_sign_in_url, safe_next
from .recovery_codes import recovery_code_use, recovery_codes_remaining, recovery_device_for
from .step_up import step_up_record
from .webauthn_views import ceremony_config

_BAD_LOGIN = "Enter a correct username and password"
_BAD_CODE = "The security code is wrong or has expired. Wait for a new code and try again"
_BAD_RECOVERY_CODE = "The recovery code is wrong or has already been used"
_KEY_NEEDED = "Your role signs in with a security key. Use your security key, or a recovery code"
_STEP_UP_KEY_NEEDED = "Use your security key to confirm it is you"
_THROTTLED = "Too many failed sign-in attempts from this network. Try again in 15 minutes"


def _after_login(request: HttpRequest) -> HttpResponse:
    return redirect(after_sign_in_url(request))


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.user.is_verified():
        return _after_login(request)
    form = PasswordForm(request.POST or None)
    ip_address = request.META.get("REMOTE_ADDR")
    if request.method == "POST" and form.is_valid():
        if throttle.ip_is_throttled(ip_address=ip_address):
            form.add_error(None, _THROTTLED)
            return render(request, "access/login.html", {"form": form}, status=429)
        user = auth.authenticate(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if user is None:
            throttle.ip_failure_count(ip_address=ip_address)
            form.add_error(None, _BAD_LOGIN)
        else:
            next_url = safe_next(request)
            auth.login(request, user)
            if next_url:
                request.session[NEXT_SESSION_KEY] = next_url
            return redirect("access:second_factor")
    return render(request, "access/login.html", {"form": form}, status=400 if form.errors else 200)


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """After the password: the security key if the user has one, the TOTP code as the
    alternative unless their role must use the key (``factors.totp_completes_sign_in``), and
    a link to use a recovery code."""
    user = request.user
    if not user.is_authenticated:
        return redirect("access:login")
    if user.is_verified():
        return _after_login(request)
    device = two_factor.confirmed_device(user=user)
    if device is None:
        return redirect("access:enrol")
    totp_allowed = factors.totp_completes_sign_in(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not totp_allowed:
            _record_code_failure(request, reason="TOTP code refused: this role must use its key")
            form.add_error("otp_token", _KEY_NEEDED)
        elif two_factor.token_verify(device=device, token=form.cleaned_data["otp_token"]):
            second_factor_login(request=request, device=device)
            if not factors.step_up_uses_security_key(user):
                # The code just typed is as fresh as a step-up's (``step_up_record``); not
                # for someone with a key, whose step-up must be the key.
                step_up_record(request)
            return _after_login(request)
        else:
            _record_code_failure(request)
            form.add_error("otp_token", _BAD_CODE)
    has_key = factors.has_security_key(user)
    context = {
        "form": form,
        "has_key": has_key,
        "totp_allowed": totp_allowed,
        "recovery_codes": recovery_device_for(user=user) is not None,
        "webauthn_config": ceremony_config(request, purpose="sign_in") if has_key else None,
    }
    return render(request, "access/second_factor.html", context, status=400 if form.errors else 200)


@sensitive_post_parameters("recovery_code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def recovery_code_sign_in(request: HttpRequest) -> HttpResponse:
    """A recovery code in place of the second factor. It completes sign-in (for every role:
    it is how someone whose key is lost gets back in), is spent, and the user is told how
    many are left; it never counts as a step-up (``factors``)."""
    user = request.user
    if not user.is_authenticated:
        return redirect("access:login")
    if user.is_verified():
        return _after_login(request)
    form = RecoveryCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = recovery_code_use(
            actor=Actor.from_request(request), user=user, code=form.cleaned_data["recovery_code"]
        )
        if device is not None:
            second_factor_login(request=request, device=device)
            context = {
                "remaining": recovery_codes_remaining(user=user),
                "next_url": after_sign_in_url(request),
            }
            return render(request, "access/recovery_code_used.html", context)
        _record_code_failure(request, reason="recovery code refused")
        form.add_error("recovery_code", _BAD_RECOVERY_CODE)
    return render(
        request, "access/recovery_code.html", {"form": form}, status=400 if form.errors else 200
    )


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """First login: set up an authenticator app. Only for users with no confirmed device;
    an admin's reset returns a user here."""
    user = request.user
    if not user.is_authenticated:
        return redirect("access:login")
    if two_factor.confirmed_device(user=user) is not None:
        return redirect("access:second_factor")
    reset = enrolment_code_needed(user)
    if reset is not None and not enrolment_code_accepted(request, reset):
        return redirect("access:enrol_code")
    device = two_factor.pending_device(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.token_verify(device=device, token=form.cleaned_data["otp_token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            if reset is not None:
                enrolment_code_spend(request, reset)
            second_factor_login(request=request, device=device)
            access_event_record_now(
                actor=Actor.from_request(request),
                action=AccessEvent.Action.DEVICE_ENROLLED,
                outcome=AccessEvent.Outcome.OK,
            )
            return _after_login(request)
        _record_code_failure(request)
        form.add_error("otp_token", _BAD_CODE)
    context = {
        "form": form,
        "qr_svg": two_factor.device_qr_svg(device),
        "secret": two_factor.device_secret_base32(device),
    }
    return render(request, "access/enrol.html", context, status=400 if form.errors else 200)


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def step_up(request: HttpRequest) -> HttpResponse:
    """A fresh second factor before a dangerous action; only for a fully signed-in session.
    It asks for the strongest factor the user has (``factors.step_up_uses_security_key``):
    their key if they have one — no waiting for the next TOTP step — else a new TOTP code.
    Recovery codes are never accepted here."""
    user = request.user
    if not (user.is_authenticated and user.is_verified()):
        return redirect("access:login")
    next_url = safe_next(request) or ""
    if factors.step_up_uses_security_key(user):
        status = 200
        error = ""
        if request.method == "POST":
            _record_code_failure(request, reason="TOTP code refused: step-up needs the key")
            status, error = 400, _STEP_UP_KEY_NEEDED
        context = {
            "next": next_url,
            "error": error,
            "webauthn_config": ceremony_config(request, purpose="step_up"),
        }
        return render(request, "access/step_up_key.html", context, status=status)
    device = two_factor.confirmed_device(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.token_verify(device=device, token=form.cleaned_data["otp_token"]):
            step_up_record(request)
            return redirect(next_url or landing_for(user).url)
        _record_code_failure(request)
        form.add_error("otp_token", _BAD_CODE)
    context = {"form": form, "next": next_url}
    status = 400 if form.errors else 200
    return render(request, "access/step_up.html", context, status=status)


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """GET asks to confirm, POST signs out and destroys the session (``auth.logout`` flushes
    it server-side, so the old cookie is worthless)."""
    if request.method == "POST":
        auth.logout(request)
        return render(request, "access/signed_out.html")
    return render(request, "access/logout.html")


def _record_code_failure(request: HttpRequest, reason: str = "") -> None:
    access_event_record_now(
        actor=Actor.from_request(request),
        action=AccessEvent.Action.SECOND_FACTOR_FAILED,
        outcome=AccessEvent.Outcome.FAILED,
        reason=reason,
    )
