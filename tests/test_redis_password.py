"""Redis answers nobody without its password (issue 14, finding 6): the sessions and the
task queue live there."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def test_the_configured_redis_refuses_a_client_without_the_password():
    url = urlsplit(settings.REDIS_URL)
    if not url.password:
        pytest.skip("REDIS_URL names a Redis without a password (an external test target)")
    bare = urlunsplit(url._replace(netloc=f"{url.hostname}:{url.port}"))

    with pytest.raises(redis.exceptions.AuthenticationError):
        redis.Redis.from_url(bare).ping()
    assert redis.Redis.from_url(settings.REDIS_URL).ping()


def _production(redis_url: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "contactpoint.settings.production",
        "DJANGO_SECRET_KEY": "x" * 64,
        "DATABASE_URL": "postgres://app:pw@db:5432/contactpoint",
        "REDIS_URL": redis_url,
        "AUDIT_SIGNING_KEY": "A" * 43 + "=",
        "WEBAUTHN_RP_ID": "contactpoint.example.gov.uk",
        "WEBAUTHN_ALLOWED_ORIGINS": "https://contactpoint.example.gov.uk",
    }
    code = "import django; from django.conf import settings; settings.REDIS_URL; print('ok')"
    return subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_production_refuses_a_redis_url_without_a_password():
    refused = _production("redis://redis:6379/0")

    assert refused.returncode != 0
    assert "REDIS_URL must carry Redis's password" in refused.stderr


def test_production_accepts_a_redis_url_with_a_password():
    accepted = _production("redis://:s3cret@redis:6379/0")

    assert accepted.returncode == 0, accepted.stderr
