"""Test settings: the same real PostgreSQL and Redis as development, fast password hashing."""

import os
import tempfile

from .base import *  # noqa: F403
from .base import redis_db_url

SECRET_KEY = "test-only-secret-key-not-for-any-deployment-0123456789abcdef"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True

# The test database is flushed between transactional tests, which truncates the audit log:
# allowed only as an explicit retention operation by the table owner (see audit migration
# 0002). Tests of the append-only rule switch it off again for their transaction.
DATABASES["default"]["OPTIONS"] = {  # noqa: F405
    **DATABASES["default"].get("OPTIONS", {}),  # noqa: F405
    "options": (
        DATABASES["default"].get("OPTIONS", {}).get("options", "")  # noqa: F405
        + " -c contactpoint.audit_retention=on"
    ).strip(),
}
WHITENOISE_AUTOREFRESH = True
# No read replica under pytest: the test database is created on the primary and a standby of
# the developer's cluster is read-only. tests/scaling/ starts its own primary and replica.
DATABASES.pop("replica", None)  # noqa: F405

# Tests use their own Redis databases (cache 15, broker 14) and clear the cache between tests,
# so a developer's running app and the test run never see each other's keys.
CACHES["default"]["LOCATION"] = redis_db_url(REDIS_URL, 15)  # noqa: F405
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = redis_db_url(REDIS_URL, 14)  # noqa: F405

# Audit sealing (issue 4): a fixed test-only signing key, and never the developer's witness
# (created only if something seals; tests that seal use their own, tests/audit/conftest.py).
AUDIT_SIGNING_KEY = "4YSEYGQxS2vEOJP3ogNDp9zVCaPv9kD0Tt3H0lGlCHU="  # noqa: S105 - test only
AUDIT_SIGNING_KEY_FILE = ""
AUDIT_WITNESS_DIR = os.path.join(tempfile.gettempdir(), f"contactpoint-test-witness-{os.getpid()}")
# The "audit" connection is the same test database. pytest-django wraps each test in a
# transaction on "default" only, so an event committed through a second connection would
# outlive its test: events "now" stay on "default" here, and the tests of the separate
# connection switch AUDIT_NOW_DATABASE to "audit" themselves.
DATABASES["audit"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
AUDIT_NOW_DATABASE = "default"
AUDIT_SYNTHETIC_HISTORY_ALLOWED = True

# Each test builds its own small world: the matcher reads its size afresh every search.
MATCH_MODEL_CACHE_SECONDS = 0

# Protection at rest (issue 15): a fixed test-only key-encryption key, and the current data
# key read afresh on every write (each test creates its keys inside its own transaction).
FIELD_KEK = "test-kek-1 dGVzdC1vbmx5LWtleS1lbmNyeXB0aW9uLWtleS0wMDA="  # noqa: S105 - test only
FIELD_KEK_FILE = ""
FIELD_KEY_PROVIDER = ""
FIELD_KEY_CACHE_SECONDS = 0
