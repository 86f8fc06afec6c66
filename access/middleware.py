"""Request-wide protections: second factor on every path, a security key for the roles that
must have one, session lifetimes, no-store, and one 404 for addresses no record can have."""

import logging
import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth import middleware as auth_middleware
from django.db import Error as DjangoDatabaseError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from contactpoint.errors import NotFound, Refused

from .navigation import layout_links
from .session_user import TOTP_PERSISTENT_PREFIX, session_totp_device, totp_device_load
from .sign_in import factors

# Paths a session may reach before its second factor is verified. Everything else — every
# page with child data and every admin page — needs a verified second factor. ``/info/`` is
# help, the accessibility statement and the privacy notice (``contactpoint.info_views``).
# ``/api/`` is left to the API's own authentication, which is stricter, not looser: every call
# needs a connecting system's credentials and a practitioner's token issued after a second
# factor (``api.authentication``), and no session, verified or not, is accepted there.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz", "/info/", "/api/")
_SESSION_STARTED = "cp_session_started_at"
# PostgreSQL (any database error, connection lost included), Redis (cache, sessions), the
# broker (a task queued from a view).
DEPENDENCY_ERRORS = (
    DjangoDatabaseError,
    RedisConnectionError,
    RedisTimeoutError,
    BrokerError,
)
RETRY_AFTER_SECONDS = 30

logger = logging.getLogger(__name__)


class SecondFactorDeviceMiddleware(OTPMiddleware):
    """django-otp's middleware, loading the session's TOTP device with one fixed statement
    (``access.session_user``) instead of through the ORM; other devices (security keys,
    recovery codes) as django-otp does. django-otp still checks that the device is the
    user's and confirmed; nothing is cached between requests.

    The user is verified at once and ``request.user`` is the user itself, not django-otp's
    lazy wrapper around Django's lazy wrapper: every request that gets here asks who is
    signed in anyway (``SessionTimeoutMiddleware``), so waiting saved nothing, and every
    attribute read through the two proxies cost a tenth of the page's own Python (issue 16).
    The user is the one ``AuthenticationMiddleware`` would load, loaded the same way.
    """

    def __call__(self, request):
        user = getattr(request, "user", None)
        if self._is_async or type(user) is not SimpleLazyObject:
            return super().__call__(request)
        request.user = self._verify_user_sync(request, auth_middleware.get_user(request))
        return self.get_response(request)

    def _verify_user_sync(self, request, user):
        """django-otp's, except that a TOTP device is taken from the user's confirmed
        devices read with the user (``access.session_user``), not loaded again; then
        django-otp's own check that the device is the user's and confirmed."""
        authenticated = user.is_authenticated
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY) if authenticated else None
        if not persistent_id:
            return super()._verify_user_sync(request, user)
        persistent_id = self._normalize_persistent_id(persistent_id)
        if not persistent_id.startswith(TOTP_PERSISTENT_PREFIX):
            return super()._verify_user_sync(request, user)
        self._init_user_fields(user)
        device = session_totp_device(user, persistent_id)
        user.otp_device = self._finalize_device(request, user, device)
        return user

    def _device_from_persistent_id(self, persistent_id: str):
        persistent_id = self._normalize_persistent_id(persistent_id)
        if persistent_id.startswith(TOTP_PERSISTENT_PREFIX):
            return totp_device_load(persistent_id)
        return super()._device_from_persistent_id(persistent_id)


class RequireTwoFactorMiddleware:
    """Rule: no page beyond login is reachable without a verified second factor.

    Applied to every path, so a new view cannot forget it; the login steps under
    ``/accounts/`` decide for themselves what a half-logged-in session may do.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(_OPEN_PREFIXES):
            user = request.user
            if not user.is_authenticated:
                return redirect(f"{reverse('access:login')}")
            if not user.is_verified():
                return redirect(reverse("access:second_factor"))
        return self.get_response(request)


class SecurityKeyRequiredMiddleware:
    """Rule (``access.sign_in.factors``): someone whose role must use a security key and who has
    none yet — signed in with TOTP, the only way they could — reaches nothing beyond the sign-in
    steps until they add one; every other page sends them to the page that says why.

    After ``RequireTwoFactorMiddleware``, so it sees only verified sessions; the query runs
    only for the few roles the rule covers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            not request.path.startswith(_OPEN_PREFIXES)
            and user.is_authenticated
            and user.is_verified()
            and factors.missing_required_key(user)
        ):
            return redirect(reverse("access:security_key_needed"))
        return self.get_response(request)


class SessionTimeoutMiddleware:
    """Ends a session after its absolute lifetime (12 hours by default).

    The idle timeout is the session cookie age, renewed on every request as the session is
    read (``contactpoint.redis_store``); this adds the absolute limit, so a session kept alive
    by activity still ends.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(_SESSION_STARTED)
            now = int(time.time())
            if started is None:
                request.session[_SESSION_STARTED] = now
            elif now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                return redirect(reverse("access:login"))
        return self.get_response(request)


class NulInPathMiddleware:
    """Answers an address containing NUL (``%00``) with the shared 404 before any view runs.

    Rule (out of scope, non-existent and hidden look the same): no id holds NUL, and
    PostgreSQL text cannot, so such an id could only fail deep in a lookup — a 500 where
    every other unknown id gets the 404. Raised from ``process_view``, so the 404 passes
    through every middleware exactly as the gateway's not-found does.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if "\x00" in request.path:
            raise Http404("No record at this address.")


class NoStoreMiddleware:
    """Marks every response ``Cache-Control: no-store`` except static files.

    Pages here are either child data or about a signed-in user; neither belongs in a browser
    or proxy cache on a shared computer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response


def dependency_unavailable(exception: BaseException | None) -> bool:
    """True for a failure of PostgreSQL or Redis (down, frozen, refusing, timed out): what the
    person can do nothing about but wait, as opposed to a fault in the code."""
    return isinstance(exception, DEPENDENCY_ERRORS)


def service_unavailable_response(*, audit: bool) -> HttpResponse:
    """The service's own 503: GOV.UK wording, ``Retry-After``, no trace of the failure.

    Rendered without a request (so no context processor, navigation or session is read):
    PostgreSQL or Redis is what failed, and the page must not need either. ``audit``: the
    failure was the database's, so the lookup could not be recorded and nothing was shown.
    """
    template = "directory/audit_unavailable.html" if audit else "503.html"
    response = HttpResponse(render_to_string(template, layout_links()), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class ErrorPageMiddleware:
    """The one place where what a view let through becomes a page (issue 18):

    - ``contactpoint.errors.NotFound`` (a child, request, alert… this user may not see): the
      shared 404, identical to a missing one (Rule: out of scope looks like not found);
    - ``contactpoint.errors.Refused``: the refused page (403) with the reasons;
    - ``DatabaseError`` (the read, the audit write before it, any other database work): the
      same 503 — nothing shown, "try again shortly", with ``Retry-After`` — instead of a 500
      that depends on which view forgot to catch it (Rule: audit before data, failure is
      closed). The transaction of the request has already rolled back
      (``transaction.atomic`` in the gateway), so no data and no half-event remain. Redis or
      the broker failing in a view (sign-in's throttle, the session) answers the same 503
      (issue 20); a failure in a middleware reaches ``directory.views.server_error``, which
      answers with the same page.

    Views catch a refusal only to show its reasons beside their own form; everything else is
    left to this, so a new view cannot forget it. The mapping itself is
    ``directory.views.gateway_error_response``, which the search and record views also call.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        unavailable = dependency_unavailable(exception)
        if not unavailable and not isinstance(exception, (NotFound, Refused)):
            return None
        from directory.views import gateway_error_response

        if unavailable:
            logger.exception("%s on %s: answered 503", type(exception).__name__, request.path)
        return gateway_error_response(request, exception)
