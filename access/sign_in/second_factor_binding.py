"""The second factor's verification, bound to the session that earned it.

Rule (sessions): a session is verified because its user typed a good code in it, not because
the session store says so. django-otp keeps the verified device's id in the session; anyone
who can write to the store (Redis reached without its password, a leaked dump) could write
that id into a password-only session, or copy it between sessions. So the verification also
stores an HMAC, under the server's secret key, of the session's own key, the device and the
user; a session whose device id has no matching HMAC is treated as unverified (and the
attempt is audited). The store alone cannot forge it; the key is never in the store.
"""

from __future__ import annotations

import hmac
import logging

from django.utils.crypto import salted_hmac
from django_otp import DEVICE_ID_SESSION_KEY

BINDING_KEY = "cp_second_factor_binding"
_SALT = "contactpoint.second_factor_binding"
logger = logging.getLogger(__name__)


def binding_for(*, session_key: str, device_id: str, user_id: int) -> str:
    return salted_hmac(_SALT, f"{session_key}|{device_id}|{user_id}").hexdigest()


def second_factor_bind(session, *, user_id: int) -> None:
    """Call once the device is logged in and the session key rotated (``views``)."""
    session[BINDING_KEY] = binding_for(
        session_key=session.session_key,
        device_id=session[DEVICE_ID_SESSION_KEY],
        user_id=user_id,
    )


def second_factor_bound(session, *, user_id: int) -> bool:
    device_id = session.get(DEVICE_ID_SESSION_KEY)
    stored = session.get(BINDING_KEY, "")
    if not device_id or not session.session_key:
        return False
    expected = binding_for(session_key=session.session_key, device_id=device_id, user_id=user_id)
    return hmac.compare_digest(stored, expected)


class SecondFactorBindingMiddleware:
    """After django-otp's middleware: a device id without its binding verifies nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        session = request.session
        if (
            user is not None
            and user.is_authenticated
            and session.get(DEVICE_ID_SESSION_KEY)
            and not second_factor_bound(session, user_id=user.pk)
        ):
            _refuse(request)
        return self.get_response(request)


def _refuse(request) -> None:
    from audit.models import AccessEvent
    from audit.writer import Actor, access_event_record_now

    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session.pop(BINDING_KEY, None)
    request.user.otp_device = None
    logger.warning("second-factor state without its binding: session treated as unverified")
    access_event_record_now(
        actor=Actor.from_request(request),
        action=AccessEvent.Action.REFUSED,
        outcome=AccessEvent.Outcome.REFUSED,
        reason="Second-factor state in the session was not bound to it (forged or copied)",
    )
