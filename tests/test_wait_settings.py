"""Each kind of process waits for PostgreSQL as long as its work can (issue 20): a web request
a few seconds, a Celery job up to half an hour, a command run by hand without limit; the web
server's own bound outlasts PostgreSQL's, so PostgreSQL cancels a slow statement first."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_SHOW = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps([s.DATABASES['default']['OPTIONS'], s.WEB_DATABASE_SILENCE_SECONDS, "
    "s.CACHES['default']['OPTIONS']['socket_timeout'], s.DATABASES['audit']['OPTIONS']]))"
)


def _settings(module: str = "development", **environment: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CONTACTPOINT_", "WEB_", "WORKER_", "COMMAND_"))
    } | {
        "DJANGO_SETTINGS_MODULE": f"contactpoint.settings.{module}",
        "DJANGO_SECRET_KEY": "x" * 64,
        "DATABASE_URL": "postgres://app:pw@db:5432/contactpoint",
        "REDIS_URL": "redis://:s3cret@redis:6379/0",
        "AUDIT_SIGNING_KEY": "A" * 43 + "=",
        "WEBAUTHN_RP_ID": "contactpoint.example.gov.uk",
        "WEBAUTHN_ALLOWED_ORIGINS": "https://contactpoint.example.gov.uk",
        **environment,
    }
    return subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", _SHOW], cwd=ROOT, env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("kind", "connect_s", "statement_ms"),
    [("web", 2, 5000), ("worker", 10, 1_800_000), ("command", 10, 0)],
)
def test_each_kind_of_process_gets_its_own_timeouts(kind, connect_s, statement_ms):
    shown = _settings(CONTACTPOINT_PROCESS=kind)
    assert shown.returncode == 0, shown.stderr
    options, silence, redis_timeout, audit = json.loads(shown.stdout)
    assert options == {
        "connect_timeout": connect_s,
        "options": f"-c statement_timeout={statement_ms}",
    }
    assert audit == options  # the second connection, for events that must commit alone
    assert silence * 1000 > statement_ms
    assert redis_timeout == 2.0


def test_it_refuses_a_web_process_that_would_wait_without_end():
    refused = _settings(CONTACTPOINT_PROCESS="web", WEB_STATEMENT_TIMEOUT_MS="0")
    assert refused.returncode != 0
    assert "WEB_STATEMENT_TIMEOUT_MS" in refused.stderr


def test_it_refuses_an_unknown_kind_of_process():
    refused = _settings(CONTACTPOINT_PROCESS="webserver")
    assert "CONTACTPOINT_PROCESS must be one of web, worker, command" in refused.stderr


def test_production_answers_health_checks_over_plain_http():
    code = "from django.conf import settings as s; print(s.SECURE_REDIRECT_EXEMPT)"
    shown = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=os.environ
        | {
            "DJANGO_SETTINGS_MODULE": "contactpoint.settings.production",
            "DJANGO_SECRET_KEY": "x" * 64,
            "REDIS_URL": "redis://:s3cret@redis:6379/0",
            "WEBAUTHN_RP_ID": "contactpoint.example.gov.uk",
            "WEBAUTHN_ALLOWED_ORIGINS": "https://contactpoint.example.gov.uk",
        },
        capture_output=True,
        text=True,
    )
    assert shown.stdout.strip() == "['^healthz(/|$)']", shown.stderr
