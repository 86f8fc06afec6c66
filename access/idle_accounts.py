"""Accounts nobody uses are disabled.

Rule (idle accounts): an account not signed in to for ``ACCOUNT_IDLE_DAYS`` is a door nobody
watches — a leaver's login, a password phished and kept for later — so it is disabled: its
sessions end, the event is audited, and the user and their organisation's admins are told.
Unused is counted from the latest of the last sign-in, the last reactivation and the account's
creation (an account never used counts from the day it was made).

Every role is covered except system admins: they are few, named, and the only ones who can
bring anyone back, so disabling the last of them would lock the service out of its own
administration. Bringing a reader back is a reactivation, which takes a second approver
(``access.provisioning``); the clock then restarts (``reactivated_at``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Greatest
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.formats import date_format

from audit.models import AccessEvent
from audit.writer import Actor, access_event_record

from .models import Role, User
from .notifications import account_disabled_notify
from .services import user_deactivate

IDLE_ACTOR = Actor(
    user_id=None,
    username="idle_accounts",
    role="system",
    organisation_id=None,
    ip_address=None,
    user_agent="idle accounts",
)


def idle_accounts(*, now: datetime) -> QuerySet[User]:
    """Active accounts, system admins aside, unused for longer than ``ACCOUNT_IDLE_DAYS``.
    ``last_used`` is the latest of sign-in, reactivation and creation (PostgreSQL's GREATEST
    skips the empty ones)."""
    cutoff = now - timedelta(days=settings.ACCOUNT_IDLE_DAYS)
    return (
        User.objects.filter(is_active=True)
        .exclude(role=Role.SYSTEM_ADMIN)
        .annotate(last_used=Greatest("last_login", "reactivated_at", "date_joined"))
        .filter(last_used__lt=cutoff)
    )


def idle_accounts_disable(*, now: datetime | None = None) -> int:
    """Disable every idle account, one transaction each; returns how many. Idempotent: a
    disabled account is no longer idle-and-active, and one signed in to meanwhile is
    re-checked under its row lock and left alone."""
    now = now or timezone.now()
    ids = list(idle_accounts(now=now).order_by("pk").values_list("pk", flat=True))
    return sum(_idle_account_disable(user_id=user_id, now=now) for user_id in ids)


def _idle_account_disable(*, user_id: int, now: datetime) -> bool:
    with transaction.atomic():
        user = (
            idle_accounts(now=now)
            .select_for_update(of=("self",), skip_locked=True)
            .select_related("organisation")
            .filter(pk=user_id)
            .first()
        )
        if user is None:
            return False
        user_deactivate(user=user)
        access_event_record(
            actor=IDLE_ACTOR,
            action=AccessEvent.Action.ACCOUNT_IDLE_DISABLED,
            outcome=AccessEvent.Outcome.OK,
            criteria={"user": user.pk, "last_used": user.last_used.isoformat()},
            reason=f"User {user.pk} not signed in for {settings.ACCOUNT_IDLE_DAYS} days",
        )
        _tell(user=user)
    return True


def _tell(*, user: User) -> None:
    """The user hears (by e-mail: they can no longer sign in to read the inbox), and so do
    the admins who would bring them back."""
    since = date_format(timezone.localtime(user.last_used), "j F Y")
    days = settings.ACCOUNT_IDLE_DAYS
    account_disabled_notify(
        user=user,
        key=f"idle-disabled:{user.pk}:{user.last_used.isoformat()}",
        subject="Your ContactPoint account was disabled: unused",
        body=(
            f"Your ContactPoint account ({user.get_username()}) was disabled because it had "
            f"not been used for {days} days (since {since}). If you still need it, ask your "
            "organisation's ContactPoint administrator to reactivate it; for someone who reads "
            "children's records, a second approver must agree."
        ),
        admin_subject=f"Account disabled, unused: {user.get_username()}",
        admin_body=(
            f"The ContactPoint account of {user.get_full_name() or user.get_username()} "
            f"({user.get_username()}) was disabled: not used for {days} days (since "
            f"{since}). Reactivate it only if they still need it; for someone who reads "
            "children's records, a second approver must agree."
        ),
    )


@receiver(pre_save, sender=User)
def _idle_clock_restart(sender, instance: User, update_fields=None, raw=False, **kwargs):
    """An account made active again starts a fresh idle period; without this, one disabled
    for being unused would be disabled again by the next run, before its owner could sign
    in."""
    if raw or instance.pk is None or not instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    if not User.objects.filter(pk=instance.pk, is_active=False).exists():
        return
    instance.reactivated_at = timezone.now()
    if update_fields is not None and "reactivated_at" not in update_fields:
        User.objects.filter(pk=instance.pk).update(reactivated_at=instance.reactivated_at)
