"""A user's security keys (WebAuthn credentials): reading, naming, and the audited writes.

Rule (audit): adding, using and removing a key are login-level events, written to the lookup
log with ``access_event_record_now`` so they survive whatever the request does afterwards.
Rule (one access function): a key is reached only through ``security_key_get_for_user``, so
one user's key id answers 404 to everyone else.
"""

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django_otp_webauthn.models import WebAuthnCredential

from audit.models import AccessEvent
from audit.writer import Actor, access_event_record_now

from ..models import User
from .factors import security_key_removal_refusal


class KeyRemovalRefused(Exception):
    """The key may not be removed; the message says why, in words for the user."""


def security_keys_for(*, user: User) -> QuerySet[WebAuthnCredential]:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at")


def security_key_get_for_user(*, user: User, key_id: int) -> WebAuthnCredential:
    key = security_keys_for(user=user).filter(pk=key_id).first()
    if key is None:
        raise Http404("No such security key.")
    return key


def security_key_added(*, actor: Actor, key: WebAuthnCredential) -> None:
    access_event_record_now(
        actor=actor,
        action=AccessEvent.Action.KEY_REGISTERED,
        outcome=AccessEvent.Outcome.OK,
        reason=f"security key {key.pk} added",
    )


def security_key_used(*, actor: Actor, key: WebAuthnCredential, purpose: str) -> None:
    access_event_record_now(
        actor=actor,
        action=AccessEvent.Action.KEY_USED,
        outcome=AccessEvent.Outcome.OK,
        reason=f"security key {key.pk} used for {purpose}",
    )


def security_key_rename(*, key: WebAuthnCredential, name: str) -> None:
    key.name = name.strip()
    key.save(update_fields=["name"])


def security_key_remove(*, actor: Actor, user: User, key: WebAuthnCredential) -> None:
    """Remove ``key`` unless that would leave a user who must have a key with none. The row is
    locked while counting, so two removals at once cannot both take the last but one."""
    with transaction.atomic():
        list(security_keys_for(user=user).select_for_update())
        refusal = security_key_removal_refusal(user)
        if refusal:
            raise KeyRemovalRefused(refusal)
        key_id = key.pk
        key.delete()
    access_event_record_now(
        actor=actor,
        action=AccessEvent.Action.KEY_REMOVED,
        outcome=AccessEvent.Outcome.OK,
        reason=f"security key {key_id} removed",
    )
