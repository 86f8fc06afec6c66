"""Legal holds: a record that must outlive its retention period (proceedings, an inquiry).

Rules: only a data manager of the child's own authority places or lifts a hold (the same
test as for shields, ``manages_shielding``), with a reason; each is an audit event. While a
hold is on, retention never destroys the record (``directory/retention.py``). Anyone else
is told the record does not exist.
"""

from __future__ import annotations

from django.db import transaction

from access.models import User
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record
from contactpoint.errors import Refused
from directory.models import Child

from .errors import ChildNotFound
from .shielding import manages_shielding


class LegalHoldRefused(Refused):
    """The hold cannot be changed; ``reasons`` say why."""


def legal_hold_change(
    *, user: User, public_id: str, hold: bool, reason: str, actor: Actor
) -> Child:
    """Place (``hold``) or lift the legal hold on a record of the user's authority."""
    if not reason.strip():
        raise LegalHoldRefused(["Give the reason (the proceedings, who asked)"])
    with transaction.atomic():
        child = (
            Child.objects.select_for_update()
            .filter(
                public_id=public_id[:32], status__in=[Child.Status.ACTIVE, Child.Status.ARCHIVED]
            )
            .first()
        )
        if child is None or not manages_shielding(
            user=user, local_authority_id=child.local_authority_id
        ):
            raise ChildNotFound(public_id)
        child.legal_hold = hold
        child.legal_hold_reason = reason if hold else ""
        child.save(update_fields=["legal_hold", "legal_hold_reason", "updated_at"])
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.LEGAL_HOLD_SET
            if hold
            else AccessEvent.Action.LEGAL_HOLD_LIFTED,
            outcome=AccessEvent.Outcome.OK,
            child_public_id=child.public_id,
            reason=reason,
        )
    return child
