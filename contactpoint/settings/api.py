"""The API (api/, docs/api.md): who may call it, how often, and its OAuth 2 tokens."""

from .environment import env_number

# Every call is made by a registered connecting system *and* a practitioner of its
# organisation (api.authentication); nothing else authenticates there, sessions included.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ClientAndPractitionerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.ClientAndUserThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ContactPoint API",
    "DESCRIPTION": (
        "Look up children for a signed-in practitioner from the system they already use. "
        "Every call needs the connecting system's credentials and the practitioner's "
        "short-lived token; see docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "ENUM_NAME_OVERRIDES": {
        "AccessRequestKindEnum": "access.models.AccessRequest.Kind",
        "NotificationKindEnum": "access.models.Notification.Kind",
    },
}
# How long a practitioner's token for one connecting system lasts after they obtain it with a
# fresh second factor (api/tokens.py).
API_USER_TOKEN_MINUTES = env_number("API_USER_TOKEN_MINUTES", default=30, least=1)
# Calls per connecting system and per practitioner through the API, in any window of
# API_RATE_WINDOW_SECONDS (sliding, like LOOKUP_RATE_LIMIT, which applies as well).
API_CLIENT_RATE_LIMIT = env_number("API_CLIENT_RATE_LIMIT", default=3000, least=1)
API_USER_RATE_LIMIT = env_number("API_USER_RATE_LIMIT", default=300, least=1)
API_RATE_WINDOW_SECONDS = env_number("API_RATE_WINDOW_SECONDS", default=900, least=1)
# The connecting system signs in with OAuth 2 client credentials (django-oauth-toolkit, at
# /api/v1/oauth/token/; api/oauth.py): its access token lasts API_SYSTEM_TOKEN_SECONDS, and
# after a rotation in admin its previous secret still works for API_SECRET_OVERLAP_HOURS.
API_SYSTEM_TOKEN_SECONDS = env_number("API_SYSTEM_TOKEN_SECONDS", default=600, least=1)
API_SECRET_OVERLAP_HOURS = env_number("API_SECRET_OVERLAP_HOURS", default=72, least=1)
# Failed authentication (either party, token endpoint or call; api/auth_failures.py): past
# this many failures from one address, or naming one registered system, in any window of
# API_AUTH_FAILURE_WINDOW_SECONDS, every attempt from there is refused (429) until the
# window has passed, right credentials included.
API_AUTH_FAILURE_LIMIT_PER_ADDRESS = env_number(
    "API_AUTH_FAILURE_LIMIT_PER_ADDRESS", default=20, least=1
)
API_AUTH_FAILURE_LIMIT_PER_CLIENT = env_number(
    "API_AUTH_FAILURE_LIMIT_PER_CLIENT", default=50, least=1
)
API_AUTH_FAILURE_WINDOW_SECONDS = env_number(
    "API_AUTH_FAILURE_WINDOW_SECONDS", default=900, least=1
)

# Named so that api.ApiClient's link to it migrates as a swappable dependency.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    # Only the client-credentials grant is used: each Application belongs to one ApiClient
    # and is made by api.services, never by DOT's own registration pages (not routed).
    "OAUTH2_VALIDATOR_CLASS": "api.oauth.ApiClientValidator",
    "ACCESS_TOKEN_EXPIRE_SECONDS": API_SYSTEM_TOKEN_SECONDS,
    "SCOPES": {"api": "Act for a practitioner who has authorised this system"},
    "DEFAULT_SCOPES": ["api"],
    # RFC 9700: access tokens are kept as SHA-256 checksums only, never in clear.
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
}
