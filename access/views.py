"""Login in two steps — password, then a TOTP code — enrolment, and sign-out.

A session that has passed the password step but not the second factor may reach only these
views (``RequireTwoFactorMiddleware``); the second factor is checked against the user's own
device, with django-otp's throttling, and once it is verified the session gets a new key
(``session_rotate``), as it did at the password step.
"""

from urllib.parse import urlsplit

from django.contrib import auth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from audit.models import AccessEvent
from audit.writer import Actor, access_event_record_now

from . import throttle, two_factor
from .cross_site import is_lookup_path
from .enrolment_codes import enrolment_code_accepted, enrolment_code_needed, enrolment_code_spend
from .forms import PasswordForm, TokenForm
from .landing import landing_for
from .second_factor_binding import second_factor_bind
from .services import session_rotate
from .step_up import step_up_record

_NEXT = "cp_next"
_BAD_LOGIN = "Enter a correct username and password"
_BAD_CODE = "The security code is wrong or has expired. Wait for a new code and try again"
_THROTTLED = "Too many failed sign-in attempts from this network. Try again in 15 minutes"


def _safe_next(request: HttpRequest) -> str | None:
    """Where to go after signing in or stepping up: a page of this site, but never a search
    or record. ``next`` comes from a URL anyone can write, and a lookup reached through it
    after sign-in would come from our own redirect, past the cross-site check
    (``access.cross_site``); nothing of ours puts a lookup in ``next``."""
    target = request.GET.get("next") or request.POST.get("next")
    if (
        target
        and url_has_allowed_host_and_scheme(target, {request.get_host()})
        and not is_lookup_path(urlsplit(target).path)
    ):
        return target
    return None


def _after_login(request: HttpRequest) -> HttpResponse:
    """A safe ``next`` kept from the password step wins; otherwise the page the user's role
    works from (``access.landing``), not a search page they may have no use for."""
    return redirect(request.session.pop(_NEXT, None) or landing_for(request.user).url)


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
            next_url = _safe_next(request)
            auth.login(request, user)
            if next_url:
                request.session[_NEXT] = next_url
            return redirect("access:second_factor")
    return render(request, "access/login.html", {"form": form}, status=400 if form.errors else 200)


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect("access:login")
    if user.is_verified():
        return _after_login(request)
    device = two_factor.confirmed_device(user=user)
    if device is None:
        return redirect("access:enrol")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.token_verify(device=device, token=form.cleaned_data["otp_token"]):
            otp_login(request, device)
            session_rotate(request=request)
            second_factor_bind(request.session, user_id=user.pk)
            step_up_record(request)
            return _after_login(request)
        _record_code_failure(request)
        form.add_error("otp_token", _BAD_CODE)
    return render(
        request, "access/second_factor.html", {"form": form}, status=400 if form.errors else 200
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
            otp_login(request, device)
            session_rotate(request=request)
            second_factor_bind(request.session, user_id=user.pk)
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
    """Re-enter a code before a dangerous action; only for a fully signed-in session."""
    user = request.user
    if not (user.is_authenticated and user.is_verified()):
        return redirect("access:login")
    device = two_factor.confirmed_device(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.token_verify(device=device, token=form.cleaned_data["otp_token"]):
            step_up_record(request)
            return redirect(_safe_next(request) or landing_for(user).url)
        _record_code_failure(request)
        form.add_error("otp_token", _BAD_CODE)
    context = {"form": form, "next": _safe_next(request) or ""}
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


def _record_code_failure(request: HttpRequest) -> None:
    access_event_record_now(
        actor=Actor.from_request(request),
        action=AccessEvent.Action.SECOND_FACTOR_FAILED,
        outcome=AccessEvent.Outcome.FAILED,
    )
