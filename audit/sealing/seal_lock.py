"""The sealer proves itself to the database: its lock and its heads are nobody else's.

Rule (tamper evidence, issue 14 finding 4): while sealing is stalled, an edit to an unsealed
event is sealed later as if genuine, so whoever can stall the sealer can rewrite recent
history. The application's role could stall it by holding the sealer's advisory lock (any
role may take any advisory lock) or a head row of the next tree size. The sealer runs as that
same role, so what sets it apart is what only it holds: the signing key, outside the database.

``migrate`` (as the owner) stores a secret derived from the signing key in an owner-only
table (migration 0008). To take the lock or write a head the sealer sends SHA-256(secret ‖
its transaction id); the database's SECURITY DEFINER functions check it. The response is
bound to one transaction, so one seen in ``pg_stat_activity`` is useless anywhere else; the
secret is one-way from the key, so reading the table (an owner, a superuser) gives no
signing power. A new signing key needs ``migrate`` again to register its secret.
"""

from __future__ import annotations

import hashlib
import hmac
from contextlib import contextmanager

import psycopg2
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection
from psycopg2 import errors

from .keys import signing_key

_LABEL = b"contactpoint-audit/seal-lock/v1"

# The arguments of cp_audit_head_insert after the response, in order.
HEAD_COLUMNS = (
    "epoch",
    "tree_size",
    "root_hash",
    "previous_tree_size",
    "previous_root_hash",
    "first_event_id",
    "last_event_id",
    "sealed_through_id",
    "sealed_at",
    "key_id",
    "signature",
    "frontier",
    "event_ids",
    "leaf_hashes",
)

NOT_THE_SEALER = (
    "The database does not recognise this process as the audit sealer: its signing key is not "
    "the one whose secret `migrate` registered. After installing a new key, run "
    "`python manage.py migrate` as the owner role."
)


def seal_lock_secret(key: Ed25519PrivateKey) -> bytes:
    """HMAC-SHA256 of a fixed label under the private key's seed: 32 bytes that name the
    sealer and reveal nothing about the key."""
    seed = key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return hmac.new(seed, _LABEL, hashlib.sha256).digest()


def sealer_response(cursor, key: Ed25519PrivateKey) -> bytes:
    """SHA-256(secret ‖ this transaction's id): valid in this transaction only."""
    cursor.execute("SELECT pg_current_xact_id()::text")
    (xid,) = cursor.fetchone()
    return hashlib.sha256(seal_lock_secret(key) + xid.encode()).digest()


def seal_lock_take(cursor, key: Ed25519PrivateKey) -> bool:
    """Take the sealer's lock for the rest of the transaction; False when another sealer
    holds it. Raises ImproperlyConfigured when the database does not know this key."""
    with _not_the_sealer_explained():
        cursor.execute("SELECT cp_audit_seal_lock(%s)", [sealer_response(cursor, key)])
    return cursor.fetchone()[0]


def head_insert(cursor, key: Ed25519PrivateKey, fields: dict) -> None:
    """Write a signed head through the sealer-only function (the application's role has no
    INSERT on ``audit_treehead``); ``fields`` in ``HEAD_COLUMNS`` order."""
    values = [fields[name] for name in HEAD_COLUMNS]
    placeholders = ", ".join(["%s"] * (len(values) + 1))
    with _not_the_sealer_explained():
        cursor.execute(
            f"SELECT cp_audit_head_insert({placeholders})",  # noqa: S608 - placeholders only
            [sealer_response(cursor, key), *values],
        )


@contextmanager
def _not_the_sealer_explained():
    """The database's refusal, reworded for the operator who must fix the key."""
    try:
        yield
    except (DatabaseError, psycopg2.Error) as error:
        cause = error if isinstance(error, psycopg2.Error) else error.__cause__
        if isinstance(cause, errors.InsufficientPrivilege):
            raise ImproperlyConfigured(NOT_THE_SEALER) from None
        raise


def seal_lock_register(**kwargs) -> None:
    """post_migrate: store the current signing key's secret (as the owner, the only role that
    may). Without a key there is nothing to register: the system check (audit.E001) has
    already refused ``migrate`` then, and the sealer refuses to run."""
    try:
        key = signing_key()
    except ImproperlyConfigured:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user = %s", [settings.DATABASE_APP_ROLE])
        if cursor.fetchone()[0]:
            return
        cursor.execute(
            "INSERT INTO audit_seallock (id, secret) VALUES (1, %s) "
            "ON CONFLICT (id) DO UPDATE SET secret = EXCLUDED.secret",
            [seal_lock_secret(key)],
        )
