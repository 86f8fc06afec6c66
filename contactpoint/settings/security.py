"""Signing in and staying signed in: passwords, second factors, security keys, sessions,
lockout, and the headers every page carries."""

from datetime import timedelta

from csp.constants import NONCE, SELF

from .environment import env, env_number

# --- Authentication -----------------------------------------------------------------------
AUTH_USER_MODEL = "access.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "access.sign_in.auth_backend.UserWithOrganisationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "access:login"
# "/" sends each role to the page its work is on (access.landing).
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "access:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
OTP_TOTP_ISSUER = "ContactPoint"
OTP_TOTP_THROTTLE_FACTOR = 1
# How recently the second factor must have been given before a dangerous action
# (access/sign_in/step_up.py: break-glass, override, reports, decisions, API tokens).
STEP_UP_SECONDS = env_number("STEP_UP_SECONDS", default=5 * 60, least=1)

# --- Security keys and passkeys (WebAuthn; docs/sign-in.md) ----------------------------------
# The relying party: the host name keys are bound to, and the exact origins (scheme, host and
# port) a browser may use them from. A key made for one RP ID never works under another, so
# production sets both (contactpoint/settings/production.py refuses to start without them).
# The default is `make run` as a browser reaches it: http://localhost:PORT. WebAuthn refuses
# an IP address as RP ID, so a key cannot be used at http://127.0.0.1:PORT.
WEBAUTHN_RP_ID = env.str("WEBAUTHN_RP_ID", default="localhost")
WEBAUTHN_ALLOWED_ORIGINS = env.list(
    "WEBAUTHN_ALLOWED_ORIGINS",
    default=[f"http://localhost:{env_number('PORT', default=8000, least=1, most=65535)}"],
)
# Roles that must sign in with a security key once they have one, and must add one before
# using anything else (access/sign_in/factors.py). Admins give and take access; data managers hold a
# whole authority's records: a phished TOTP code must not be enough for either.
WEBAUTHN_REQUIRED_ROLES = ["org_admin", "system_admin", "data_manager"]
# django-otp-webauthn reads these: second factor only, never passwordless; the ceremony's RP ID
# and origins come from the settings above, read per request (access/sign_in/webauthn_helper.py).
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_RP_NAME = "ContactPoint"
OTP_WEBAUTHN_RP_ID = WEBAUTHN_RP_ID
OTP_WEBAUTHN_ALLOWED_ORIGINS = WEBAUTHN_ALLOWED_ORIGINS
OTP_WEBAUTHN_HELPER_CLASS = "access.sign_in.webauthn_helper.ContactPointWebAuthnHelper"
OTP_WEBAUTHN_TIMEOUT_SECONDS = 5 * 60
# Recovery codes: how many one set holds (access/sign_in/recovery_codes.py).
RECOVERY_CODE_COUNT = 10

# --- Sessions ---------------------------------------------------------------------------------
# Idle timeout 15 minutes, absolute lifetime 12 hours (enforced by middleware).
# Held in Redis, which expires them itself; if it loses them, people sign in again (it fails
# closed). access.UserSession still lists each user's keys for deactivation.
# contactpoint.redis_store: Django's cache sessions; reading one renews its idle timeout in
# the same round trip (GETEX), so a session is saved only when it changed (not on every
# request); saved in one round trip; an unreachable Redis is an error (the 503 page), not an
# empty session that would send a signed-in person back to sign in.
SESSION_ENGINE = "contactpoint.redis_store"
SESSION_COOKIE_AGE = env_number("SESSION_IDLE_SECONDS", default=15 * 60, least=1)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_SECONDS = env_number("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60, least=1)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# How long the navigation's answers (unread count, "leads a team", open alerts) are kept in
# the session: a badge or menu entry may lag by this much; no page's access depends on them
# (access/navigation.py).
NAV_FACTS_SECONDS = env_number("NAV_FACTS_SECONDS", default=60, least=0)

# --- Lockout ----------------------------------------------------------------------------------
# The pair (username, IP) is locked after a few failures so that an attacker cannot lock a
# real user out from the user's own machine; an IP that fails across many usernames is locked
# too, at a higher threshold.
AXES_FAILURE_LIMIT = env_number("AXES_FAILURE_LIMIT", default=5, least=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_number("AXES_COOLOFF_MINUTES", default=15, least=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
LOGIN_IP_FAILURE_LIMIT = env_number("LOGIN_IP_FAILURE_LIMIT", default=30, least=1)
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "access/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_IPWARE_PROXY_COUNT = env_number("TRUSTED_PROXY_COUNT", default=0, least=0)

# --- Security headers ---------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# NONCE is django-csp 4's marker, not the string "'nonce'" (which reached the header as is): a
# page whose template reads ``request.csp_nonce`` (``CSP_NONCE``) gets a fresh 'nonce-…' for its
# inline <script>/<style>; a page that reads none gets no nonce, so it stays byte-identical
# (the shared 404). Our templates carry no inline script or style today (static/js/init.js).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    }
}
