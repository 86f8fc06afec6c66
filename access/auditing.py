"""Register access models with django-auditlog, so every admin change has a history."""

from auditlog.registry import auditlog
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from .models import User

auditlog.register(
    User,
    exclude_fields=["password", "last_login"],
)
# An admin's reset of someone's authenticator app is an admin change too. Only who, which and
# whether confirmed are kept: the shared secret never reaches the history.
auditlog.register(TOTPDevice, include_fields=["user", "name", "confirmed"])
# Security keys likewise: who, which, and whether confirmed; never the key material.
auditlog.register(WebAuthnCredential, include_fields=["user", "name", "confirmed"])
