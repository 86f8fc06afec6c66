"""The Django project itself: apps, middleware, templates, static files, language and logs."""

from .environment import BASE_DIR, env

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])

INSTALLED_APPS = [
    "access.admin_apps.AdminConfig",
    "access.operator.apps.OperatorCommandsConfig",  # before auth: its createsuperuser wins
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "guardian",
    "auditlog",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "oauth2_provider",
    "directory",
    "access",
    "audit",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "contactpoint.content_policy.CSPMiddleware",  # django-csp's, the policy text made once
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "access.middleware.SecondFactorDeviceMiddleware",
    "access.sign_in.second_factor_binding.SecondFactorBindingMiddleware",
    "access.middleware.SessionTimeoutMiddleware",
    "access.middleware.RequireTwoFactorMiddleware",
    "access.middleware.SecurityKeyRequiredMiddleware",
    "access.middleware.NulInPathMiddleware",
    "access.cross_site.CrossSiteLookupMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "audit.admin_history.AdminHistoryActorMiddleware",  # auditlog's, without per-request signals
    "axes.middleware.AxesMiddleware",
    "access.middleware.NoStoreMiddleware",
    "access.middleware.ErrorPageMiddleware",
]

ROOT_URLCONF = "contactpoint.urls"
WSGI_APPLICATION = "contactpoint.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                # The unread count and the menu (access/navigation.py, ``NAV_FACTS_SECONDS``).
                "access.context_processors.unread_notifications",
                "access.context_processors.navigation",
            ],
            # GOV.UK form fields rendered in Python (contactpoint/govuk_fields.py).
            # ``id_url``: a record page's address, not reversed per use (contactpoint/id_urls.py).
            "libraries": {
                "govuk_fields": "contactpoint.govuk_fields",
                "id_urls": "contactpoint.id_urls",
            },
        },
    },
]

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# Where the accessibility statement and help pages tell people to write to the service team.
# Empty (the default): the pages send them to their organisation's administrator only.
SERVICE_SUPPORT_EMAIL = env.str("SERVICE_SUPPORT_EMAIL", default="")

GUARDIAN_RAISE_403 = True
# No anonymous user row: nobody unauthenticated holds any permission here.
ANONYMOUS_USER_NAME = None
AUDITLOG_INCLUDE_ALL_MODELS = False

# Child data never reaches logs: search criteria travel in the query string (the outside
# contract fixes them as GET parameters), so every log record has its query strings removed.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_query": {"()": "contactpoint.logfilters.StripQueryString"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["no_query"]},
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
