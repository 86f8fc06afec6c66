"""Signed tree heads: what the sealer signs, what the witness keeps, what outsiders check.

A head says "the first ``tree_size`` events of the log hash to ``root_hash``", names the head
before it (so heads form a chain: dropping or replacing one breaks the next), and the event
ids it covers. It is signed with Ed25519 over its canonical JSON (sorted keys, no whitespace,
ASCII only: ``jq -cjS .head`` reproduces the bytes), so anyone with the public key can check
it without our code.

No Django here: ``verify_head`` and outside parties use it as it is (it needs only the
``cryptography`` package).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# The log's name in every head, one per epoch (``audit.sealing.reroot``): epoch 1 is
# "contactpoint-audit/v1", the name its heads were always signed with, so they still verify; a
# later epoch's name puts the epoch in the signed bytes, so that a head cannot pass for one of
# another epoch.
_LOG_PREFIX = "contactpoint-audit/v"
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def canonical_json(value: dict) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def log_id(epoch: int) -> str:
    return f"{_LOG_PREFIX}{epoch}"


def epoch_of(log: object) -> int:
    """The epoch a head's ``log`` names; ValueError for any other log."""
    text = str(log)
    number = text.removeprefix(_LOG_PREFIX)
    if number == text or not number.isdigit() or number.startswith("0"):
        raise ValueError(f"not a head of {_LOG_PREFIX}<epoch>: {text!r}")
    return int(number)


@dataclass(frozen=True)
class Head:
    tree_size: int
    root_hash: bytes
    previous_tree_size: int
    previous_root_hash: bytes
    first_event_id: int
    last_event_id: int
    sealed_through_id: int
    sealed_at: datetime
    key_id: str
    epoch: int = 1

    def to_dict(self) -> dict:
        return {
            "log": log_id(self.epoch),
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "previous_tree_size": self.previous_tree_size,
            "previous_root_hash": self.previous_root_hash.hex(),
            "first_event_id": self.first_event_id,
            "last_event_id": self.last_event_id,
            "sealed_through_id": self.sealed_through_id,
            "sealed_at": self.sealed_at.astimezone(UTC).strftime(_TIME_FORMAT),
            "key_id": self.key_id,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Head:
        return cls(
            epoch=epoch_of(data.get("log")),
            tree_size=int(data["tree_size"]),
            root_hash=bytes.fromhex(data["root_hash"]),
            previous_tree_size=int(data["previous_tree_size"]),
            previous_root_hash=bytes.fromhex(data["previous_root_hash"]),
            first_event_id=int(data["first_event_id"]),
            last_event_id=int(data["last_event_id"]),
            sealed_through_id=int(data["sealed_through_id"]),
            sealed_at=datetime.strptime(data["sealed_at"], _TIME_FORMAT).replace(tzinfo=UTC),
            key_id=str(data["key_id"]),
        )

    def signed_bytes(self) -> bytes:
        return canonical_json(self.to_dict())


@dataclass(frozen=True)
class SignedHead:
    head: Head
    signature: bytes

    def to_json(self) -> bytes:
        """The witness file's content: the head and its signature (base64)."""
        return canonical_json(
            {"head": self.head.to_dict(), "signature": base64.b64encode(self.signature).decode()}
        )

    @classmethod
    def from_json(cls, data: bytes) -> SignedHead:
        parsed = json.loads(data)
        return cls(Head.from_dict(parsed["head"]), base64.b64decode(parsed["signature"]))


def public_key_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_for(key: Ed25519PublicKey) -> str:
    """A short, stable name for a public key, so heads say which key signed them (keys can be
    rotated; old heads stay checkable with the old public key)."""
    return hashlib.sha256(public_key_raw(key)).hexdigest()[:16]


def private_key_from_text(text: str) -> Ed25519PrivateKey:
    """A PEM (PKCS#8, as ``openssl genpkey -algorithm ed25519`` writes) or the base64 of the
    32-byte seed (as ``make run`` writes for development)."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the audit signing key must be an Ed25519 key")
        return key
    return Ed25519PrivateKey.from_private_bytes(_seed(text))


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """A PEM public key or the base64 of the 32 raw bytes (what ``verify_audit
    --print-public-key`` prints)."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the audit public key must be an Ed25519 key")
        return key
    return Ed25519PublicKey.from_public_bytes(_seed(text))


def _seed(text: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise ValueError("the key is neither PEM nor base64") from None
    if len(raw) != 32:
        raise ValueError("a base64 Ed25519 key decodes to exactly 32 bytes")
    return raw


def head_sign(head: Head, key: Ed25519PrivateKey) -> SignedHead:
    return SignedHead(head, key.sign(head.signed_bytes()))


def head_name(epoch: int, tree_size: int) -> str:
    """How reports name a head: epoch 1's as they always were."""
    name = f"head at tree size {tree_size}"
    return name if epoch == 1 else f"epoch {epoch} {name}"


def signature_problem(signed: SignedHead, public_keys: dict[str, Ed25519PublicKey]) -> str | None:
    """Why ``signed`` does not verify against the known keys, or None when it does."""
    return bytes_signature_problem(
        signed.head.key_id, signed.head.signed_bytes(), signed.signature, public_keys
    )


def bytes_signature_problem(
    key_id: str, data: bytes, signature: bytes, public_keys: dict[str, Ed25519PublicKey]
) -> str | None:
    """Why ``signature`` is not ``key_id``'s over ``data``, or None when it is."""
    key = public_keys.get(key_id)
    if key is None:
        return f"signed with unknown key {key_id}"
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return "signature does not verify"
    return None
