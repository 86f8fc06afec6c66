"""Settings for `make run` on a developer's machine: embedded services, e-mail to files.

DEBUG stays off by default even here: a debug page would print child data from a traceback.
"""

from .base import *  # noqa: F403
from .base import BASE_DIR, DATA_DIR, env

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or (DATA_DIR / "secret_key").read_text()
# E-mail (password reset links, notifications, requests to confirm) goes to files a person can
# open, one per sending connection, instead of scrolling away in the terminal.
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = DATA_DIR / "mail"
STATICFILES_DIRS = [BASE_DIR / "static"]

# The demo world carries a synthetic month of lookups (with planted misuse) for review.
AUDIT_SYNTHETIC_HISTORY_ALLOWED = True

# Production requires admins and data managers to sign in with a security key (security.py, not
# configurable there). The demo world's logins are a password and a TOTP secret (the outside
# contract: seed_demo's credentials file), so here no role is required to use a key unless
# WEBAUTHN_REQUIRED_ROLES names some, e.g.
#   WEBAUTHN_REQUIRED_ROLES=org_admin,system_admin,data_manager make run
# Keys still work for everyone who adds one (/account/sign-in-methods/).
WEBAUTHN_REQUIRED_ROLES = [role for role in env.list("WEBAUTHN_REQUIRED_ROLES", default=[]) if role]
