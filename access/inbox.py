"""The notifications inbox: each user reads their own notifications and nobody else's.

Rule (one access function per resource): every inbox view gets a notification through
``notification_for_recipient``, which answers ``Notification.DoesNotExist`` for anyone but
the recipient, so another user's notification looks exactly like a missing one (404).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AccessEvent
from audit.writer import Actor, access_event_record

from .models import Notification, User

INBOX_LIMIT = 100


def notifications_for_user(*, user: User, limit: int = INBOX_LIMIT) -> list[Notification]:
    """The user's notifications, newest first."""
    return list(_own(user).order_by("-created_at", "-id")[:limit])


def notification_for_recipient(*, user: User, notification_id: int) -> Notification:
    return _own(user).get(pk=notification_id)


def notification_read_audited(*, user: User, notification_id: int, actor: Actor) -> Notification:
    """The user's own notification for its page. Rule (audit before data): one whose in-app
    detail may name a child is a read of child data, so its event is written in the same
    transaction before it is returned; if the event cannot be written, nothing is shown."""
    with transaction.atomic():
        notification = notification_for_recipient(user=user, notification_id=notification_id)
        if notification.in_app_detail:
            access_event_record(
                actor=actor,
                action=AccessEvent.Action.NOTIFICATION_VIEW,
                outcome=AccessEvent.Outcome.SHOWN,
                criteria={"notification": notification.pk, "kind": notification.kind},
            )
    return notification


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark the user's own notification read (once: the first reading time is kept)."""
    notification = notification_for_recipient(user=user, notification_id=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def unread_count(*, user: User) -> int:
    """One COUNT on the ``notification_unread`` index (recipient, read_at)."""
    return _own(user).filter(read_at__isnull=True).count()


def _own(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=user.pk)
