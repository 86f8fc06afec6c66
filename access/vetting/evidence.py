"""Vetting evidence: recorded by an admin who vouches they saw it.

Rule (vetting as evidence): a user's enhanced DBS certificate (number and issue date), training
and signed user agreement are facts someone checked, not dates anyone may type. Each save that
changes them records who attested and when — taken from whoever saved, never typed — and writes
an audit event through the one writer. Nobody attests their own evidence (one person would vouch
for their own access to children), and an organisation admin attests only for users of the
organisations they manage, up to their own level (``access.admin_permissions``).

Whether the evidence is current is ``access.models.vetting_problems``' question alone.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from audit.models import AccessEvent
from audit.writer import Actor, access_event_record
from contactpoint.errors import Refused

from ..admin_permissions import (
    is_org_admin,
    is_system_admin,
    organisations_managed_by,
    roles_grantable_by,
    user_change_allowed,
)
from ..models import VETTING_ITEMS, User
from ..provisioning.services import AdminSaveResult, user_save_by_admin_with_approval

EVIDENCE_FIELDS = ("dbs_certificate_number", *(item.date_field for item in VETTING_ITEMS))


class AttestationRefused(Refused):
    """``reason`` says, in words an admin can act on, why they may not record this evidence."""


def vetting_attest_allowed(attester: User, target: User) -> bool:
    """May ``attester`` vouch for ``target``'s evidence? Never their own; a system admin for
    anyone else; an organisation admin for a user of an organisation they manage, in a role
    they could grant (so not a fellow admin), the user as saved included."""
    if target.pk is not None and target.pk == attester.pk:
        return False
    if is_system_admin(attester):
        return True
    if not is_org_admin(attester) or target.organisation_id is None:
        return False
    return (
        target.role in roles_grantable_by(attester)
        and organisations_managed_by(attester).filter(pk=target.organisation_id).exists()
        and (target.pk is None or user_change_allowed(attester, target))
    )


def vetting_evidence_changed(*, user: User, original: User | None) -> list[str]:
    """The evidence fields ``user`` (unsaved) holds differently from ``original`` (None: a
    new user, whose every recorded item is new)."""
    if original is None:
        return [name for name in EVIDENCE_FIELDS if getattr(user, name)]
    return [name for name in EVIDENCE_FIELDS if getattr(user, name) != getattr(original, name)]


def vetting_evidence_attest(
    *, user: User, original: User | None, attested_by: User, now: datetime
) -> list[str]:
    """Stamp ``attested_by`` and ``now`` on ``user`` (unsaved) when its evidence changed;
    returns the changed fields. Raises ``AttestationRefused`` when they may not attest."""
    changed = vetting_evidence_changed(user=user, original=original)
    if not changed:
        return []
    if not vetting_attest_allowed(attested_by, user):
        if user.pk is not None and user.pk == attested_by.pk:
            raise AttestationRefused(
                "You cannot record your own vetting evidence: another admin must see it."
            )
        raise AttestationRefused("You may not record vetting evidence for this user.")
    user.vetting_attested_by, user.vetting_attested_at = attested_by, now
    return changed


def user_save_by_admin_attesting(
    *, user: User, created: bool, requested_by: User, actor: Actor
) -> AdminSaveResult:
    """Save a user edited in admin (``user_save_by_admin_with_approval``: what needs a
    second approver waits), recording the saver as attester of any changed evidence, with
    its audit event, in one transaction."""
    original = None if created else User.objects.get(pk=user.pk)
    with transaction.atomic():
        changed = vetting_evidence_attest(
            user=user, original=original, attested_by=requested_by, now=timezone.now()
        )
        result = user_save_by_admin_with_approval(
            user=user, created=created, requested_by=requested_by, actor=actor
        )
        if changed:
            _attestation_record(user=user, changed=changed, actor=actor)
    return result


def _attestation_record(*, user: User, changed: list[str], actor: Actor) -> AccessEvent:
    """The audit event: whose evidence, which items and their dates. Never the certificate
    number itself (the admin history keeps it; the sealed log need not)."""
    criteria = {"user": user.pk, "changed": changed}
    for item in VETTING_ITEMS:
        on = getattr(user, item.date_field)
        criteria[item.key] = on.isoformat() if on else None
    return access_event_record(
        actor=actor,
        action=AccessEvent.Action.VETTING_ATTESTED,
        outcome=AccessEvent.Outcome.OK,
        criteria=criteria,
        reason=f"Vetting evidence of user {user.pk} attested",
    )
