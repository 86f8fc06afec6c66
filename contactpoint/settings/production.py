"""Production settings: everything from the environment, HTTPS only, nothing defaulted that
could weaken security."""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import REDIS_URL, SECRET_KEY, env, env_number

if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to at least 50 random characters.")

# Redis holds the sessions and the task queue: every deployment protects it with a password
# or an ACL user (issue 14, finding 6), so a URL without one is refused.
if not urlsplit(REDIS_URL).password:
    raise ImproperlyConfigured(
        "REDIS_URL must carry Redis's password (redis://:PASSWORD@host:6379/0 or "
        "rediss://user:PASSWORD@host:6380/0)."
    )

# Security keys are bound to the relying party's host name, so production names it and the
# exact https origins itself; a default (localhost) would make every key fail, or worse, be
# registered against the wrong name. WEBAUTHN_REQUIRED_ROLES is never read from the
# environment: production cannot be started with admins or data managers allowed TOTP alone.
WEBAUTHN_RP_ID = env.str("WEBAUTHN_RP_ID", default="")
WEBAUTHN_ALLOWED_ORIGINS = env.list("WEBAUTHN_ALLOWED_ORIGINS", default=[])
if not WEBAUTHN_RP_ID or not WEBAUTHN_ALLOWED_ORIGINS:
    raise ImproperlyConfigured(
        "WEBAUTHN_RP_ID (the service's host name, e.g. contactpoint.example.gov.uk) and "
        "WEBAUTHN_ALLOWED_ORIGINS (e.g. https://contactpoint.example.gov.uk) must be set."
    )
for _origin in WEBAUTHN_ALLOWED_ORIGINS:
    _host = urlsplit(_origin).hostname or ""
    if not _origin.startswith("https://") or not (
        _host == WEBAUTHN_RP_ID or _host.endswith(f".{WEBAUTHN_RP_ID}")
    ):
        raise ImproperlyConfigured(
            f"WEBAUTHN_ALLOWED_ORIGINS: {_origin!r} must be https:// on {WEBAUTHN_RP_ID} "
            "or one of its subdomains."
        )
OTP_WEBAUTHN_RP_ID = WEBAUTHN_RP_ID
OTP_WEBAUTHN_ALLOWED_ORIGINS = WEBAUTHN_ALLOWED_ORIGINS

DEBUG = False
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Health checks come from inside the deployment over plain HTTP (deploy/healthcheck.py); they
# carry no cookie and answer nothing about anyone.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/|$)"]
# Behind a TLS-terminating proxy, trust its X-Forwarded-Proto only when told to; otherwise the
# HTTPS redirect would loop.
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_number("SECURE_HSTS_SECONDS", default=31536000, least=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="contactpoint@localhost")
