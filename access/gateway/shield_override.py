"""Shield override: a child-protection practitioner sees a shielded child's full record once.

Rule (shielding): only the child-protection role, held in an organisation allowed to hold it
(role ceilings), may override a shield, only for a child in their scope, after a warning, a
fresh second factor (the view's ``require_step_up``) and a written reason. The full record is
returned by this one call and remembered nowhere, so the next view is shielded again. The
user's supervisor and the authority's data managers are told at once, and every attempt,
allowed or refused, is an audit event of its own kind.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from access.models import Notification, Role, User
from access.notifications import notification_create
from audit.alerts.services import shield_override_alert_raise
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record, access_event_record_now
from contactpoint.errors import Refused
from directory.models import Child

from .enquirers import child_line, enquirer_details
from .errors import ChildNotFound
from .gate import ensure_may_read
from .records import ChildRecord, _record
from .scope import child_scope_q
from .shielding import REVEALED_BY_OVERRIDE, ShieldStatus, data_managers_for, may_override_shield

# Audit actions of their own kind (each at most 20 characters).

NOT_CHILD_PROTECTION = (
    "Only child-protection practitioners of a local authority's children's services can "
    "override a shield."
)


class ShieldOverrideRefused(Refused):
    """The override cannot go ahead; ``reasons`` say why in words the user can act on."""


class ChildNotShielded(Exception):
    """The child is in scope but not shielded: there is nothing to override."""


def shield_override_refuse(*, user: User, public_id: str, actor: Actor) -> None:
    """Record and refuse an attempt by a user whose role (or organisation) may not override a
    shield.

    The refusal depends on the user alone, never on the child, so it tells nothing about
    whether the child exists.
    """
    access_event_record_now(
        actor=actor,
        action=AccessEvent.Action.SHIELD_DENIED,
        outcome=AccessEvent.Outcome.REFUSED,
        child_public_id=public_id[:32],
        reason=NOT_CHILD_PROTECTION,
    )
    raise ShieldOverrideRefused([NOT_CHILD_PROTECTION])


def child_get_overriding_shield(
    *, user: User, public_id: str, purpose: str, reason: str, actor: Actor
) -> ChildRecord:
    """The full record of a shielded child in ``user``'s scope, for this response only."""
    if not may_override_shield(user):
        shield_override_refuse(user=user, public_id=public_id, actor=actor)
    reason = reason.strip()
    if len(reason) < settings.SHIELD_OVERRIDE_REASON_MIN_LENGTH:
        raise ShieldOverrideRefused(
            [f"Give a reason of at least {settings.SHIELD_OVERRIDE_REASON_MIN_LENGTH} characters"]
        )
    now = timezone.now()
    today = timezone.localdate(now)
    ensure_may_read(
        user=user, actor=actor, today=today, purpose=purpose, criteria={"public_id": public_id}
    )
    with transaction.atomic():
        child = (
            Child.objects.filter(
                child_scope_q(user=user, now=now, today=today),
                public_id=public_id,
                status=Child.Status.ACTIVE,
            )
            .select_related("local_authority")
            .first()
        )
        shielded = child is not None and child.shielded
        record = None
        if shielded:
            shield = ShieldStatus(revealed_by=REVEALED_BY_OVERRIDE)
            record = _record(
                child, user=user, organisation=user.organisation, today=today, shield=shield
            )
        event = access_event_record(
            actor=actor,
            action=AccessEvent.Action.SHIELD_OVERRIDE,
            outcome=AccessEvent.Outcome.SHOWN if record else AccessEvent.Outcome.NOT_FOUND,
            purpose=purpose,
            child_public_id=public_id,
            reason=reason if record else f"not shielded or not found: {reason}",
        )
        if record is not None:
            _alert(child=child, user=user, reason=reason, now=now)
            shield_override_alert_raise(event_id=event.pk, user=user, now=now)
    if child is None:
        raise ChildNotFound(public_id)
    if record is None:
        raise ChildNotShielded(public_id)
    return record


def _alert_recipients(*, user: User, child: Child) -> list[User]:
    """The user's supervisor and the authority's data managers; the auditors stand in for a
    missing supervisor, so that somebody who can investigate is always told."""
    recipients = {u.pk: u for u in data_managers_for(local_authority_id=child.local_authority_id)}
    supervisor = user.supervisor
    if supervisor is not None and supervisor.is_active:
        recipients.setdefault(supervisor.pk, supervisor)
    else:
        for auditor in User.objects.filter(role=Role.AUDITOR, is_active=True).order_by("pk"):
            recipients.setdefault(auditor.pk, auditor)
    recipients.pop(user.pk, None)
    return list(recipients.values())


def _alert(*, child: Child, user: User, reason: str, now: datetime) -> None:
    body = (
        "A child-protection practitioner overrode the shield on a child who lives in "
        f"{child.local_authority.name} and saw the child's full record.\n\n"
        f"{enquirer_details(user=user, when=now)}\n\n"
        "Check that the override was justified. Which child, and the reason they gave, is "
        "shown only in your ContactPoint inbox."
    )
    detail = child_line(
        given_name=child.given_name,
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
        public_id=child.public_id,
    )
    for recipient in _alert_recipients(user=user, child=child):
        notification_create(
            recipient=recipient,
            kind=Notification.Kind.SHIELD_OVERRIDE,
            subject="A shield was overridden",
            body=body,
            in_app_detail=f"{detail}\nReason given: {reason}",
            link=f"/children/{child.public_id}/",
        )
