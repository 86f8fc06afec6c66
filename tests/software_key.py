"""A security key in software, for tests: it answers WebAuthn ceremonies the way a real
authenticator does (CBOR attestation, ECDSA P-256 signatures), so the server's checks of
origin, RP ID, challenge and signature run for real.

A key is derived from a name (the user's username, say), so a test, the factory that gave
the user their key and a browser's virtual authenticator all hold the same private key.
"""

from __future__ import annotations

import base64
import hashlib
import json

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django_otp_webauthn.models import WebAuthnCredential

_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_UP, _UV, _AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftwareKey:
    def __init__(self, name: str):
        seed = hashlib.sha256(f"contactpoint-test-key:{name}".encode()).digest()
        secret = int.from_bytes(seed, "big") % (_P256_ORDER - 1) + 1
        self.private_key = ec.derive_private_key(secret, ec.SECP256R1())
        self.credential_id = hashlib.sha256(b"credential:" + seed).digest()

    # --- what the server stores ------------------------------------------------------------
    def cose_public_key(self) -> bytes:
        numbers = self.private_key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def credential_for(self, user, *, name: str = "Test security key") -> WebAuthnCredential:
        """The key registered for ``user`` without a ceremony (the factory's shortcut)."""
        return WebAuthnCredential.objects.create(
            user=user,
            name=name,
            credential_id=self.credential_id,
            public_key=self.cose_public_key(),
            sign_count=0,
            transports=["usb"],
            confirmed=True,
        )

    def private_key_pkcs8_b64(self) -> str:
        """The private key as Chrome's virtual authenticator takes it (CDP's
        ``WebAuthn.addCredential``)."""
        der = self.private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return base64.b64encode(der).decode()

    # --- ceremonies ------------------------------------------------------------------------
    def registration_response(self, options: dict, *, origin: str | None = None) -> dict:
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        attested = (
            bytes(16)
            + len(self.credential_id).to_bytes(2, "big")
            + self.credential_id
            + self.cose_public_key()
        )
        auth_data = self._auth_data(options["rp"]["id"], _UP | _UV | _AT) + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["usb"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "cross-platform",
        }

    def assertion_response(self, options: dict, *, origin: str | None = None) -> dict:
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        auth_data = self._auth_data(options["rpId"], _UP | _UV)
        signature = self.private_key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": None,
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "cross-platform",
        }

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str | None) -> bytes:
        origin = origin or settings.WEBAUTHN_ALLOWED_ORIGINS[0]
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
        ).encode()

    @staticmethod
    def _auth_data(rp_id: str, flags: int) -> bytes:
        # A sign count of 0 means "this authenticator keeps no counter", which the server
        # accepts on every use; a counter would tie a test to the order of its ceremonies.
        return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + (0).to_bytes(4, "big")


def key_ceremony(client, user, *, purpose: str = "sign-in", next_url: str = ""):
    """Run a sign-in (``sign-in``) or step-up (``step-up``) ceremony with ``user``'s software
    key through the real endpoints, as the browser's script would; the completion's
    response (JSON with ``redirect_url`` on success)."""
    begin = client.post(f"/accounts/keys/{purpose}/begin/")
    assert begin.status_code == 200, begin.content
    answer = SoftwareKey(user.username).assertion_response(begin.json())
    query = f"?next={next_url}" if next_url else ""
    return client.post(
        f"/accounts/keys/{purpose}/complete/{query}", answer, content_type="application/json"
    )
