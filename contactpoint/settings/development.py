"""Settings for `make run` on a developer's machine: embedded services, console e-mail.

DEBUG stays off by default even here: a debug page would print child data from a traceback.
"""

from .base import *  # noqa: F403
from .base import BASE_DIR, DATA_DIR, WEBAUTHN_REQUIRED_ROLES, env

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or (DATA_DIR / "secret_key").read_text()
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
STATICFILES_DIRS = [BASE_DIR / "static"]

# The demo world carries a synthetic month of lookups (with planted misuse) for review.
AUDIT_SYNTHETIC_HISTORY_ALLOWED = True

# Admins and data managers must use a security key here too, as in production. Scripts that
# sign the demo's admins or data managers in with a TOTP code alone can start the server with
# WEBAUTHN_REQUIRED_ROLES set to an empty value (development only: production ignores it).
WEBAUTHN_REQUIRED_ROLES = [
    role for role in env.list("WEBAUTHN_REQUIRED_ROLES", default=WEBAUTHN_REQUIRED_ROLES) if role
]
