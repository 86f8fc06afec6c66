"""Production names the relying party itself (issue 14): keys are bound to its host name,
so a default would make every key fail, or be made for the wrong name."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _production(**webauthn: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("WEBAUTHN_")} | {
        "DJANGO_SETTINGS_MODULE": "contactpoint.settings.production",
        "DJANGO_SECRET_KEY": "x" * 64,
        "DATABASE_URL": "postgres://app:pw@db:5432/contactpoint",
        "REDIS_URL": "redis://:s3cret@redis:6379/0",
        "AUDIT_SIGNING_KEY": "A" * 43 + "=",
        **webauthn,
    }
    code = (
        "from django.conf import settings; "
        "print(settings.OTP_WEBAUTHN_RP_ID, settings.WEBAUTHN_REQUIRED_ROLES)"
    )
    return subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_the_relying_party():
    refused = _production()
    assert refused.returncode != 0
    assert "WEBAUTHN_RP_ID" in refused.stderr


@pytest.mark.parametrize(
    "origin", ["http://contactpoint.example.gov.uk", "https://contactpoint.example.com"]
)
def test_production_refuses_an_origin_that_is_not_https_on_the_rp_id(origin):
    refused = _production(
        WEBAUTHN_RP_ID="contactpoint.example.gov.uk", WEBAUTHN_ALLOWED_ORIGINS=origin
    )
    assert refused.returncode != 0
    assert "WEBAUTHN_ALLOWED_ORIGINS" in refused.stderr


def test_production_keeps_the_key_rule_whatever_the_environment_says():
    accepted = _production(
        WEBAUTHN_RP_ID="contactpoint.example.gov.uk",
        WEBAUTHN_ALLOWED_ORIGINS="https://contactpoint.example.gov.uk",
        WEBAUTHN_REQUIRED_ROLES="",
    )
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout.split(" ", 1) == [
        "contactpoint.example.gov.uk",
        "['org_admin', 'system_admin', 'data_manager']\n",
    ]
