"""Housekeeping tasks, run through a real Celery worker on the real Redis broker."""

from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone

from access.models import UserSession
from access.services import session_store_class
from access.tasks import expired_sessions_clear
from contactpoint.celery import app
from tests.factories import UserFactory


def _tracked_session(user, *, age: timedelta) -> str:
    """A live session in the store, tracked for ``user`` as started ``age`` ago."""
    store = session_store_class()()
    store.create()
    UserSession.objects.create(user=user, session_key=store.session_key)
    UserSession.objects.filter(session_key=store.session_key).update(
        started_at=timezone.now() - age
    )
    return store.session_key


def _past_absolute_lifetime() -> timedelta:
    return timedelta(seconds=settings.SESSION_ABSOLUTE_SECONDS + 60)


def test_sessions_live_in_redis_not_in_the_database():
    from django.contrib.sessions.backends.cache import SessionStore as CacheSessionStore

    from contactpoint.redis_store import SessionStore

    assert settings.SESSION_ENGINE == "contactpoint.redis_store"
    assert issubclass(SessionStore, CacheSessionStore)
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")


@pytest.mark.calendar
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_it_forgets_sessions_past_their_absolute_lifetime_through_a_real_worker():
    user = UserFactory()
    stale = _tracked_session(user, age=_past_absolute_lifetime())
    live = _tracked_session(user, age=timedelta(minutes=5))
    assert app.connection_for_write().transport.driver_type == "redis"
    with start_worker(app, perform_ping_check=False, shutdown_timeout=10):
        cleared = expired_sessions_clear.delay().get(timeout=20)
    assert cleared == 1
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [live]
    assert stale != live


@pytest.mark.calendar
@pytest.mark.django_db
def test_it_changes_nothing_when_run_again():
    _tracked_session(UserFactory(), age=_past_absolute_lifetime())
    expired_sessions_clear.apply()
    assert expired_sessions_clear.apply().get() == 0
