"""Reminders before vetting evidence lapses.

Rule (vetting): a reader whose DBS check, training or user agreement lapses is refused at the
next search (``access.models.vetting_problems``). A refusal in the middle of a safeguarding
concern helps nobody, so ``VETTING_REMINDER_DAYS`` before an item lapses the reader and the
admins of their organisation (who record renewed evidence) are told. Once per item per
expiry: the notification's dedupe key names the day it lapses, so a daily run repeats nothing,
and renewed evidence (a later lapse) is reminded of afresh when its time comes.

Only readers are reminded: vetting gates reading children, and nobody else is refused by it.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from ..admin_permissions import organisation_admins
from ..models import CHILD_READER_ROLES, VETTING_ITEMS, Notification, User, VettingItem
from ..notifications import notification_create


def vetting_reminders_send(*, today: date | None = None) -> int:
    """Send every reminder due today (or caught up from missed days); returns how many
    notifications were created."""
    today = today or timezone.localdate()
    return sum(_item_reminders_send(item=item, today=today) for item in VETTING_ITEMS)


def _item_reminders_send(*, item: VettingItem, today: date) -> int:
    horizon = today + timedelta(days=settings.VETTING_REMINDER_DAYS)
    # The date window that can lapse in (today, horizon]; ``item.lapses_on`` has the last word.
    first = today - timedelta(days=item.valid_days)
    last = horizon - timedelta(days=item.valid_days + 1)
    readers = User.objects.filter(
        is_active=True,
        role__in=CHILD_READER_ROLES,
        **{f"{item.date_field}__range": (first, last)},
    ).select_related("organisation")
    sent = 0
    for reader in readers.order_by("pk").iterator(chunk_size=500):
        lapses_on = item.lapses_on(reader)
        if lapses_on is not None and today < lapses_on <= horizon:
            sent += _remind(reader=reader, item=item, lapses_on=lapses_on)
    return sent


def _remind(*, reader: User, item: VettingItem, lapses_on: date) -> int:
    last_day = date_format(lapses_on - timedelta(days=1), "j F Y")
    key = f"vetting-expiry:{reader.pk}:{item.key}:{lapses_on.isoformat()}"
    name = reader.get_full_name() or reader.get_username()
    created = 0
    with transaction.atomic():
        created += _sent(
            recipient=reader,
            kind=Notification.Kind.VETTING_EXPIRY,
            subject=f"Your {item.label} lapses after {last_day}",
            body=(
                f"Your {item.label}, as recorded in ContactPoint, counts until {last_day}. "
                "After that you cannot search for children until your organisation's "
                "ContactPoint administrator records the renewed evidence. Arrange it now."
            ),
            dedupe_key=f"{key}:{reader.pk}",
        )
        for admin in organisation_admins(reader.organisation):
            created += _sent(
                recipient=admin,
                kind=Notification.Kind.VETTING_EXPIRY,
                subject=f"{item.label.capitalize()} of {reader.get_username()} lapses after "
                f"{last_day}",
                body=(
                    f"The {item.label} of {name} ({reader.get_username()}) counts until "
                    f"{last_day}; after that they cannot search for children. Record the "
                    "renewed evidence once you have seen it."
                ),
                link=reverse("admin:access_user_change", args=[reader.pk]),
                dedupe_key=f"{key}:{admin.pk}",
            )
    return created


def _sent(**kwargs) -> int:
    return 0 if notification_create(**kwargs) is None else 1
