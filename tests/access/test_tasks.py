"""Housekeeping tasks, run through a real Celery worker on the real Redis broker."""

from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from access.models import UserSession
from access.tasks import expired_sessions_clear
from contactpoint.celery import app
from tests.factories import UserFactory


def _session(*, expired: bool) -> str:
    store = SessionStore()
    store.create()
    offset = timedelta(minutes=-1 if expired else 15)
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() + offset
    )
    return store.session_key


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_it_clears_expired_sessions_through_a_real_worker():
    user = UserFactory()
    stale, live = _session(expired=True), _session(expired=False)
    UserSession.objects.create(user=user, session_key=stale)
    assert app.connection_for_write().transport.driver_type == "redis"
    with start_worker(app, perform_ping_check=False, shutdown_timeout=10):
        cleared = expired_sessions_clear.delay().get(timeout=20)
    assert cleared == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    assert not UserSession.objects.exists()


@pytest.mark.django_db
def test_it_changes_nothing_when_run_again():
    _session(expired=True)
    expired_sessions_clear.apply()
    assert expired_sessions_clear.apply().get() == 0
