"""Writes about users and their sessions."""

from django.contrib.sessions.models import Session
from django.db import transaction

from .models import User, UserSession


def user_sessions_end(*, user: User) -> int:
    """Delete every session ``user`` holds; returns how many were ended."""
    with transaction.atomic():
        keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
        Session.objects.filter(session_key__in=keys).delete()
        UserSession.objects.filter(user=user).delete()
    return len(keys)
