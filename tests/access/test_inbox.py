"""The notifications inbox: each user's own messages, read by opening them, counted in the
navigation; and delivery by e-mail that a rollback never sends and a broker outage never
loses."""

import socket
import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone

from access.context_processors import unread_notifications
from access.models import Notification
from access.notification_mail import notifications_unsent_requeue
from access.notifications import notification_create
from contactpoint.celery import app
from tests.factories import UserFactory


def _notify(recipient, subject="Someone looked up a child you work with", **extra):
    return notification_create(
        recipient=recipient, kind="cloaked_enquiry", subject=subject, body="Body.", **extra
    )


def test_it_lists_the_users_notifications_newest_first(world, as_user):
    _notify(world.alice, subject="First message")
    _notify(world.alice, subject="Second message")
    body = as_user(world.alice).get("/inbox/").content.decode()
    assert body.index("Second message") < body.index("First message")


def test_it_shows_nobody_else_the_users_notifications(world, as_user):
    _notify(world.alice, subject="For alice only")
    assert b"For alice only" not in as_user(world.bob).get("/inbox/").content


def test_it_marks_unread_notifications(world, as_user):
    _notify(world.alice)
    assert b"Unread" in as_user(world.alice).get("/inbox/").content


def test_it_opens_a_message_from_its_subject_in_one_click(world, as_user):
    notification = _notify(world.alice, subject="Break-glass to judge")
    body = as_user(world.alice).get("/inbox/").content.decode()
    form = body[body.index(f'action="/inbox/{notification.pk}/open/"') :]
    form = form[: form.index("</form>")]
    assert "csrfmiddlewaretoken" in form
    assert '<button type="submit" class="cp-link-button"><strong>Break-glass to judge' in form


def test_it_marks_a_notification_read_when_opened(world, as_user):
    notification = _notify(world.alice)
    client = as_user(world.alice)
    response = client.post(f"/inbox/{notification.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == f"/inbox/{notification.pk}/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert b"Unread" not in client.get("/inbox/").content


def test_it_shows_the_in_app_detail_when_opened(world, as_user):
    notification = _notify(world.alice, in_app_detail="Child: Maya Thompson")
    response = as_user(world.alice).get(f"/inbox/{notification.pk}/")
    assert b"Child: Maya Thompson" in response.content


def test_it_audits_opening_a_notification_that_names_a_child(world, as_user):
    """Issue 14, finding 9: the detail is child data, so reading it is a lookup on record
    (on main before this change no event was written)."""
    from audit.models import AccessEvent

    named = _notify(world.alice, in_app_detail="Child: Maya Thompson")
    plain = _notify(world.alice)
    client = as_user(world.alice)
    client.get(f"/inbox/{named.pk}/")
    client.get(f"/inbox/{plain.pk}/")
    events = AccessEvent.objects.filter(action="notification_view")
    assert [(e.actor_username, e.criteria["notification"]) for e in events] == [("alice", named.pk)]


def test_it_shows_no_detail_when_its_event_cannot_be_written(world, as_user):
    from tests.audit.test_fail_closed import break_audit

    named = _notify(world.alice, in_app_detail="Child: Maya Thompson")
    client = as_user(world.alice)
    break_audit()
    response = client.get(f"/inbox/{named.pk}/")
    assert response.status_code == 503
    assert b"Maya Thompson" not in response.content


def test_it_does_not_open_by_get(world, as_user):
    notification = _notify(world.alice)
    assert as_user(world.alice).get(f"/inbox/{notification.pk}/open/").status_code == 405


def test_it_needs_a_csrf_token_to_open(world, as_user):
    notification = _notify(world.alice)
    client = as_user(world.alice)
    client.handler.enforce_csrf_checks = True
    assert client.post(f"/inbox/{notification.pk}/open/").status_code == 403
    notification.refresh_from_db()
    assert notification.read_at is None


def test_it_answers_someone_elses_notification_like_a_missing_one(world, as_user):
    notification = _notify(world.alice)
    client = as_user(world.bob)
    theirs = client.get(f"/inbox/{notification.pk}/")
    missing = client.get(f"/inbox/{notification.pk + 1000}/")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content
    assert client.post(f"/inbox/{notification.pk}/open/").status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_it_shows_the_unread_count_in_the_navigation(world, as_user):
    _notify(world.alice)
    _notify(world.alice)
    body = as_user(world.alice).get("/search/").content.decode()
    assert "Inbox <strong" in body and ">2<span" in body


def test_it_shows_the_count_to_users_who_read_no_child_data(world, as_user):
    _notify(world.ada)
    assert (
        b'1<span class="govuk-visually-hidden"> unread' in as_user(world.ada).get("/inbox/").content
    )


def test_it_counts_unread_with_one_query(world, rf, django_assert_num_queries):
    _notify(world.alice)
    request = rf.get("/")
    request.user = world.alice
    request.user.is_verified = lambda: True
    with django_assert_num_queries(1):
        assert unread_notifications(request) == {"unread_notification_count": 1}


def test_it_counts_nothing_before_the_second_factor(world, rf, django_assert_num_queries):
    request = rf.get("/")
    request.user = world.alice
    request.user.is_verified = lambda: False
    with django_assert_num_queries(0):
        assert unread_notifications(request) == {}


def test_it_leaves_the_count_out_of_the_login_page():
    assert b"Inbox" not in Client().get("/accounts/login/").content


# --- e-mail delivery through a real worker on the real broker ------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broker_down():
    """Point the Celery app at a port where nothing listens, as when Redis is down; the
    previous broker comes back when the test ends or calls the returned function."""
    previous_url, previous_pool = app.conf.broker_url, app.amqp._producer_pool

    def restore() -> None:
        app.conf.broker_url = previous_url
        app.amqp._producer_pool = previous_pool

    app.conf.broker_url = f"redis://127.0.0.1:{_closed_port()}/0"
    app.amqp._producer_pool = None
    yield restore
    restore()


def _wait_until_sent(notification_id: int, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Notification.objects.filter(pk=notification_id, emailed_at__isnull=False).exists():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_it_neither_keeps_nor_emails_a_notification_whose_transaction_rolls_back():
    recipient = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        _notify(recipient, subject="Rolled back")
        raise RuntimeError("the view failed after notifying")
    with start_worker(app, perform_ping_check=False, shutdown_timeout=10):
        with transaction.atomic():
            committed = _notify(recipient, subject="Committed")
        assert _wait_until_sent(committed.pk)
    assert list(Notification.objects.values_list("subject", flat=True)) == ["Committed"]
    assert [message.subject for message in mail.outbox] == ["ContactPoint: Committed"]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_it_leaves_a_notification_for_the_sweep_while_the_broker_is_down(broker_down, caplog):
    recipient = UserFactory()
    with transaction.atomic():
        notification = _notify(recipient, subject="Delayed, not lost")
    assert "the sweep will retry" in caplog.text
    notification.refresh_from_db()
    assert notification.emailed_at is None
    broker_down()  # the broker is back
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    with start_worker(app, perform_ping_check=False, shutdown_timeout=10):
        assert notifications_unsent_requeue() == 1
        assert _wait_until_sent(notification.pk)
    assert [message.subject for message in mail.outbox] == ["ContactPoint: Delayed, not lost"]
