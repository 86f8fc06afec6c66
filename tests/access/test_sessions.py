"""Sessions end after 15 idle minutes, after 12 hours whatever the activity, and at once when
the user is deactivated."""

import time

from django.conf import settings
from django.test import Client

from access.services import user_sessions_end


def test_it_sets_the_idle_timeout_to_fifteen_minutes():
    assert settings.SESSION_COOKIE_AGE == 15 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_it_ends_a_session_older_than_the_absolute_limit(world, as_user):
    client = as_user(world.alice)
    assert client.get("/search/").status_code == 200
    session = client.session
    session["cp_session_started_at"] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get("/search/")
    assert response.status_code == 302
    assert client.get("/search/").status_code == 302


def test_it_ends_every_session_of_a_deactivated_user(world, as_user):
    client = as_user(world.alice)
    client.get("/search/")
    world.alice.is_active = False
    world.alice.save()
    assert client.get("/search/").status_code == 302


def test_it_deletes_the_sessions_it_ends(world):
    client = Client()
    client.post("/accounts/login/", {"username": "bob", "password": "correct horse battery staple"})
    assert user_sessions_end(user=world.bob) == 1
    assert client.get("/accounts/second-factor/").status_code == 302
