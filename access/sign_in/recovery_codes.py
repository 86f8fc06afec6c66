"""Recovery codes: made in sets of ``RECOVERY_CODE_COUNT``, shown once, used once.

Rule (recovery codes): a new set replaces the old one whole, so codes written down before
stop working; using a code is audited with how many are left, and the user is told the same.
The codes themselves are never stored (``access.sign_in.recovery_models``).
"""

from django.conf import settings
from django.db import transaction

from audit.models import AccessEvent
from audit.writer import Actor, access_event_record_now

from ..models import User
from .recovery_models import RecoveryCode, RecoveryCodeDevice, code_new


def recovery_device_for(*, user: User) -> RecoveryCodeDevice | None:
    return RecoveryCodeDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_remaining(*, user: User) -> int:
    return RecoveryCode.objects.filter(device__user=user, used_at__isnull=True).count()


def recovery_codes_generate(*, actor: Actor, user: User) -> list[str]:
    """A fresh set for ``user``, replacing any earlier one; the codes are returned to be shown
    once and are not kept anywhere."""
    codes = [code_new() for _ in range(settings.RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        RecoveryCodeDevice.objects.filter(user=user).delete()
        device = RecoveryCodeDevice.objects.create(user=user, name="Recovery codes")
        RecoveryCode.objects.bulk_create(
            RecoveryCode.for_code(device=device, code=code) for code in codes
        )
    access_event_record_now(
        actor=actor,
        action=AccessEvent.Action.RECOVERY_CODES_MADE,
        outcome=AccessEvent.Outcome.OK,
        reason=f"{len(codes)} recovery codes created; any earlier ones stopped working",
    )
    return codes


def recovery_code_use(*, actor: Actor, user: User, code: str) -> RecoveryCodeDevice | None:
    """Spend ``code`` if it is one of ``user``'s unused codes: the device to sign in with, or
    None (a failure, throttled by the device and audited by the caller like a wrong TOTP
    code)."""
    device = recovery_device_for(user=user)
    if device is None or not device.verify_token(code):
        return None
    remaining = recovery_codes_remaining(user=user)
    access_event_record_now(
        actor=actor,
        action=AccessEvent.Action.RECOVERY_CODE_USED,
        outcome=AccessEvent.Outcome.OK,
        reason=f"signed in with a recovery code; {remaining} left",
    )
    return device
