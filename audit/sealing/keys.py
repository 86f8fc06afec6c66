"""The sealer's signing key, read from outside the database.

Rule (tamper evidence): whoever can rewrite the database must not also be able to re-sign
its history, so the private key never enters the database. It comes from
``AUDIT_SIGNING_KEY`` (the key itself, e.g. from a secret store) or ``AUDIT_SIGNING_KEY_FILE``
(a 0600 file; ``make run`` creates ``.data/audit-signing-key`` for development). Production
has no default: without a key, ``migrate`` and the sealer stop with ImproperlyConfigured.
"""

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from contactpoint.secret_text import secret_text

from .heads import key_id_for, private_key_from_text, public_key_from_text

MISSING = (
    "No audit signing key: set AUDIT_SIGNING_KEY_FILE to a file holding an Ed25519 private key "
    "(`openssl genpkey -algorithm ed25519 -out key.pem`) or AUDIT_SIGNING_KEY to the key "
    "itself. `make run` creates a development key in .data/audit-signing-key."
)


def signing_key_text() -> str:
    return secret_text(
        value=settings.AUDIT_SIGNING_KEY,
        path=settings.AUDIT_SIGNING_KEY_FILE,
        file_setting="AUDIT_SIGNING_KEY_FILE",
        missing=MISSING,
    )


def signing_key() -> Ed25519PrivateKey:
    try:
        return private_key_from_text(signing_key_text())
    except ValueError as error:
        raise ImproperlyConfigured(f"The audit signing key is not usable: {error}") from None


def known_public_keys(extra: list[str] | None = None) -> dict[str, Ed25519PublicKey]:
    """Public keys heads may be signed with, by key id: the current key's (when this process
    has it), ``AUDIT_PUBLIC_KEYS`` (keys rotated out) and ``extra`` (given on the command line
    where the private key is not available)."""
    keys = {}
    if settings.AUDIT_SIGNING_KEY or settings.AUDIT_SIGNING_KEY_FILE:
        public = signing_key().public_key()
        keys[key_id_for(public)] = public
    for text in [*settings.AUDIT_PUBLIC_KEYS, *(extra or [])]:
        public = public_key_from_text(text)
        keys[key_id_for(public)] = public
    return keys
