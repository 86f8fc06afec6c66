"""The one-time code a user types before enrolling a new second factor after a reset.

Rule (identity-checked reset): removing a reader's authenticator is how a takeover would
start — whoever next signs in with the password enrols their own device. So an approved
reset also records how the approver checked the holder's identity (in person, video call,
call back on a number held before) and issues a code, shown once to the approver, who hands
it over in that same conversation. Until the code is typed, the enrolment page stays shut;
the code is single-use, expires, and is void after ``ENROLMENT_CODE_MAX_FAILURES`` wrong
tries (the holder then needs a new reset). Only its keyed digest is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from audit.models import AccessEvent
from audit.writer import Actor, access_event_record

from ..models import ProvisioningRequest, User

# Unambiguous when read aloud or over a video call: no 0/O, 1/I/L.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_LENGTH = 12  # 31**12 ≈ 2**59
_SESSION_KEY = "cp_enrolment_code_for"


class EnrolmentCodeProblem(Exception):
    """The code cannot open enrolment; ``reason`` tells the user what to do."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def enrolment_code_issue(request: ProvisioningRequest) -> str:
    """A fresh code for an approved reset: its digest saved on the request, the code itself
    returned once for the approver's screen and never kept."""
    code = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
    request.enrolment_code_hash = _digest(code)
    request.enrolment_code_failures = 0
    request.save(update_fields=["enrolment_code_hash", "enrolment_code_failures"])
    return code


def enrolment_code_format(code: str) -> str:
    """Groups of four, as the approver reads it out: ``ABCD-EFGH-JKMN``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def enrolment_code_needed(user: User) -> ProvisioningRequest | None:
    """The reset blocking enrolment until its code is typed (None: enrolment is open): the
    latest applied second-factor reset, if it issued a code not yet used."""
    reset = (
        ProvisioningRequest.objects.filter(
            target=user,
            kind=ProvisioningRequest.Kind.SECOND_FACTOR_RESET,
            status=ProvisioningRequest.Status.APPROVED,
        )
        .exclude(enrolment_code_hash="")
        .order_by("-decided_at", "-pk")
        .first()
    )
    if reset is None or reset.enrolment_code_used_at is not None:
        return None
    return reset


def enrolment_code_accepted(http_request: HttpRequest, reset: ProvisioningRequest) -> bool:
    """Whether this session has typed the code of ``reset`` (and may see the enrolment
    page)."""
    return http_request.session.get(_SESSION_KEY) == reset.pk


def enrolment_code_check(
    *, http_request: HttpRequest, reset: ProvisioningRequest, code: str, actor: Actor
) -> None:
    """Accept ``code`` for this session or raise ``EnrolmentCodeProblem``. Each try is an
    audit event; a wrong try counts against the code even if the rest fails."""
    typed = "".join(ch for ch in code.upper() if ch.isalnum())
    with transaction.atomic():
        locked = ProvisioningRequest.objects.select_for_update().get(pk=reset.pk)
        problem = _problem(locked)
        if problem is None and not hmac.compare_digest(_digest(typed), locked.enrolment_code_hash):
            ProvisioningRequest.objects.filter(pk=locked.pk).update(
                enrolment_code_failures=F("enrolment_code_failures") + 1
            )
            left = settings.ENROLMENT_CODE_MAX_FAILURES - locked.enrolment_code_failures - 1
            problem = (
                "That code is not right. Check it with the administrator who gave it to you"
                + (f" ({left} tries left)." if left > 0 else ".")
            )
        access_event_record(
            actor=actor,
            action=(
                AccessEvent.Action.ENROLMENT_CODE_BAD
                if problem
                else AccessEvent.Action.ENROLMENT_CODE_USED
            ),
            outcome=AccessEvent.Outcome.FAILED if problem else AccessEvent.Outcome.OK,
            criteria={"request": locked.pk},
        )
    if problem:
        raise EnrolmentCodeProblem(problem)
    http_request.session[_SESSION_KEY] = reset.pk


def enrolment_code_spend(http_request: HttpRequest, reset: ProvisioningRequest) -> None:
    """The new device is confirmed: the code is used up (it opened one enrolment)."""
    ProvisioningRequest.objects.filter(pk=reset.pk, enrolment_code_used_at__isnull=True).update(
        enrolment_code_used_at=timezone.now()
    )
    http_request.session.pop(_SESSION_KEY, None)


def _problem(reset: ProvisioningRequest) -> str | None:
    if reset.enrolment_code_used_at is not None:
        return "This code has been used. Ask your administrator for a new reset."
    if reset.enrolment_code_failures >= settings.ENROLMENT_CODE_MAX_FAILURES:
        return (
            "Too many wrong codes: this one no longer works. Ask your administrator for a new "
            "reset; they will check who you are again."
        )
    issued = reset.decided_at or reset.requested_at
    if timezone.now() > issued + timedelta(hours=settings.ENROLMENT_CODE_HOURS):
        return "This code has expired. Ask your administrator for a new reset."
    return None


def _digest(code: str) -> str:
    """HMAC-SHA256 under the server's key: the table alone cannot be searched for codes."""
    key = hashlib.sha256(b"contactpoint/enrolment-code/" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()
