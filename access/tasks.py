"""Scheduled housekeeping for access."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .models import UserSession
from .services import session_store_class


@shared_task(bind=True, max_retries=5, retry_backoff=True)
def expired_sessions_clear(self) -> int:
    """Forget sessions that can no longer be used; idempotent, safe to re-run.

    Redis expires idle sessions by itself (``clear_expired`` is for engines that do not);
    what is left is the tracking rows deactivation uses. A session older than the absolute
    lifetime is refused by the middleware whatever the store holds, so its row goes.
    Returns how many tracking rows were deleted.
    """
    session_store_class().clear_expired()
    cutoff = timezone.now() - timedelta(seconds=settings.SESSION_ABSOLUTE_SECONDS)
    deleted, _ = UserSession.objects.filter(started_at__lt=cutoff).delete()
    return deleted


@shared_task(bind=True, max_retries=None, retry_backoff=True, retry_backoff_max=600)
def notification_email_send(self, notification_id: int) -> bool:
    """E-mail one notification; idempotent (a sent one is skipped), retried until sent."""
    from .notification_mail import notification_email_deliver

    try:
        return notification_email_deliver(notification_id=notification_id)
    except Exception as error:
        raise self.retry(exc=error) from error


@shared_task
def notifications_unsent_sweep() -> int:
    """Re-queue notifications whose e-mail is still unsent after a few minutes."""
    from .notification_mail import notifications_unsent_requeue

    return notifications_unsent_requeue()


@shared_task
def break_glass_escalate_overdue() -> int:
    """Escalate unjudged emergencies and record expired grants (idempotent)."""
    from .gateway.break_glass import grants_expired_record, requests_unchosen_lapse
    from .gateway.supervision import break_glass_escalate_overdue as escalate

    grants_expired_record()
    requests_unchosen_lapse()
    return escalate()


@shared_task
def cloaked_enquiries_process_task() -> int:
    """Tell cloaked services about views logged since the last run (idempotent: the log is
    followed behind a watermark, and repeats fold by each notification's dedupe key)."""
    from .gateway.cloaked_enquiries import cloaked_enquiries_process

    return cloaked_enquiries_process()


@shared_task
def provisioning_requests_expire_task() -> int:
    """Mark lapsed requests for a second approver expired (idempotent)."""
    from .provisioning.services import provisioning_requests_expire

    return provisioning_requests_expire()


@shared_task
def vetting_reminders_send_task() -> int:
    """Remind readers and their admins before vetting lapses (idempotent: one per item per
    expiry, by each notification's dedupe key)."""
    from .vetting.reminders import vetting_reminders_send

    return vetting_reminders_send()


@shared_task
def idle_accounts_disable_task() -> int:
    """Disable accounts unused for ACCOUNT_IDLE_DAYS (idempotent: a disabled account is not
    idle-and-active any more)."""
    from .idle_accounts import idle_accounts_disable

    return idle_accounts_disable()


@shared_task
def recertifications_overdue_chase_task() -> int:
    """Chase overdue quarterly recertifications (idempotent within a week, by dedupe key)."""
    from .recertification.services import recertifications_overdue_chase

    return recertifications_overdue_chase()
