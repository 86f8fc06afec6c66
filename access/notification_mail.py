"""E-mail delivery of notifications (called by the Celery tasks in access/tasks.py)."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import Notification

_FOOTER = (
    "\n\nSign in to ContactPoint to see this in your inbox. Do not forward this e-mail: it "
    "may identify a child."
)


def notification_email_deliver(*, notification_id: int) -> bool:
    """Send the e-mail once: the row is locked while sending and marked sent after, so a
    redelivered task finds it sent and does nothing. Returns whether it sent now."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        notification.email_attempts += 1
        notification.save(update_fields=["email_attempts"])
    recipient = notification.recipient
    if not recipient.email:
        Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())
        return False
    send_mail(
        subject=f"ContactPoint: {notification.subject}",
        message=notification.body + _FOOTER,
        from_email=getattr(settings, "DEFAULT_FROM_EMAIL", None),
        recipient_list=[recipient.email],
    )
    Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())
    return True


def notifications_unsent_requeue(*, older_than_minutes: int = 2, limit: int = 500) -> int:
    from .tasks import notification_email_send

    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    ids = list(
        Notification.objects.filter(emailed_at__isnull=True, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for notification_id in ids:
        notification_email_send.delay(notification_id)
    return len(ids)
