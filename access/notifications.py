"""Notifications: written in the caller's transaction, e-mailed by Celery afterwards.

Rule: a notification exists exactly when the event that caused it does (same transaction),
and a broker outage delays its e-mail but never loses it: the task is queued after commit,
and a periodic sweep re-queues any notification still unsent.
"""

import logging

from django.db import IntegrityError, transaction
from django.urls import reverse

from .admin_permissions import organisation_admins
from .models import Notification, User

logger = logging.getLogger(__name__)


def notification_create(
    *,
    recipient: User,
    kind: str,
    subject: str,
    body: str,
    link: str = "",
    dedupe_key: str | None = None,
    in_app_detail: str = "",
) -> Notification | None:
    """Create a notification inside the current transaction; None when ``dedupe_key`` says an
    equivalent one already exists (repeats fold into the first). ``body`` is e-mailed;
    ``in_app_detail`` (which may name a child) is shown only in the inbox."""
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                kind=kind,
                subject=subject,
                body=body,
                link=link,
                dedupe_key=dedupe_key,
                in_app_detail=in_app_detail,
            )
    except IntegrityError:
        if dedupe_key is None:
            raise
        return None
    transaction.on_commit(lambda: notification_email_queue(notification_id=notification.pk))
    return notification


def notification_email_queue(*, notification_id: int) -> None:
    """Queue the e-mail; if the broker is down, leave it for the sweep."""
    from .tasks import notification_email_send

    try:
        notification_email_send.delay(notification_id)
    except Exception:  # the broker being unreachable must not fail the request
        logger.warning("notification %s not queued; the sweep will retry", notification_id)


def account_disabled_notify(
    *, user: User, key: str, subject: str, body: str, admin_subject: str, admin_body: str
) -> None:
    """Rule: an account disabled without its holder asking (unused, access withdrawn at
    recertification) is told to the holder — by e-mail, since they can no longer sign in to
    read the inbox — and to their organisation's admins, who would bring it back, with a link
    to the account. Each hears once per ``key``."""
    notification_create(
        recipient=user,
        kind=Notification.Kind.ACCOUNT_DISABLED,
        subject=subject,
        body=body,
        dedupe_key=f"{key}:{user.pk}",
    )
    for admin in organisation_admins(user.organisation):
        notification_create(
            recipient=admin,
            kind=Notification.Kind.ACCOUNT_DISABLED,
            subject=admin_subject,
            body=admin_body,
            link=reverse("admin:access_user_change", args=[user.pk]),
            dedupe_key=f"{key}:{admin.pk}",
        )
