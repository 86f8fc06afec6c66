"""Scheduled housekeeping for access."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from .models import UserSession


@shared_task(bind=True, max_retries=5, retry_backoff=True)
def expired_sessions_clear(self) -> int:
    """Delete expired sessions and their tracking rows; idempotent, safe to re-run."""
    expired = Session.objects.filter(expire_date__lt=timezone.now())
    keys = list(expired.values_list("session_key", flat=True))
    expired.delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)
