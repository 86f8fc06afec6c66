"""Recovery codes: ten single-use codes that stand in for the second factor at sign-in.

Rule (recovery codes): each code works once, and the database never holds one in a form that
can be typed. A code carries about 59 random bits, so a salted SHA-256 is enough to make a
leaked table useless (a slow password hash protects secrets people choose, which these are
not), and checking all ten at sign-in stays cheap. The codes belong to one django-otp device
per user, so signing in with one marks the session verified like any other factor; the
device is throttled like the TOTP device, each failure doubling the wait.

Imported by ``access.models`` so that Django registers the models with the ``access`` app.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_otp.models import Device, ThrottlingMixin

# No 0/o, 1/l/i: a code copied from paper should not be misread.
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_LENGTH = 12


def code_normalise(typed: str) -> str:
    """What the user typed, as stored: case, spaces and hyphens do not matter."""
    return "".join(ch for ch in typed.lower() if ch.isalnum())


def code_digest(*, salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code_normalise(code)}".encode()).hexdigest()


def code_new() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


class RecoveryCodeDevice(ThrottlingMixin, Device):
    """One per user who has made recovery codes; its codes are ``RecoveryCode`` rows."""

    class Meta:
        verbose_name = "recovery code set"

    def __str__(self) -> str:
        return f"recovery codes of user {self.user_id}"

    def get_throttle_factor(self) -> int:
        return settings.OTP_TOTP_THROTTLE_FACTOR

    def verify_token(self, token) -> bool:
        """Use ``token`` if it is one of this set's unused codes. The code is spent by a
        conditional UPDATE, so two requests racing with the same code cannot both win."""
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        for code in self.codes.filter(used_at__isnull=True):
            if hmac.compare_digest(code.digest, code_digest(salt=code.salt, code=str(token))):
                spent = RecoveryCode.objects.filter(pk=code.pk, used_at__isnull=True).update(
                    used_at=timezone.now()
                )
                if spent:
                    self.throttle_reset()
                    return True
        self.throttle_increment()
        return False


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    salt = models.CharField(max_length=32)
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code {self.pk} ({'used' if self.used_at else 'unused'})"

    @classmethod
    def for_code(cls, *, device: RecoveryCodeDevice, code: str) -> "RecoveryCode":
        salt = secrets.token_hex(16)
        return cls(device=device, salt=salt, digest=code_digest(salt=salt, code=code))
