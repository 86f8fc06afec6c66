"""Secrets shown once and kept as digests.

Each credential is 32 random bytes (256 bits). A practitioner's token is presented on every
call, so a single SHA-256 keeps it: there is nothing to guess, and a slow password hash would
cost every call its CPU for no gain. A system's secret is presented only at the token
endpoint, every few minutes, and django-oauth-toolkit keeps it with Django's password hasher.
Comparison is in constant time. Prefixes say what a leaked string is (``cps_`` a system's
secret, ``cpu_`` a practitioner's token), so secret scanners and people can recognise them.
"""

import hashlib
import hmac
import secrets

CLIENT_ID_PREFIX = "cpc_"
SECRET_PREFIX = "cps_"  # noqa: S105 - a prefix, not a secret
TOKEN_PREFIX = "cpu_"  # noqa: S105 - a prefix, not a secret


def client_id_new() -> str:
    return CLIENT_ID_PREFIX + secrets.token_hex(12)


def secret_new(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def digest_matches(value: str, stored: str) -> bool:
    return hmac.compare_digest(digest(value), stored)
