"""Accounts unused for ``ACCOUNT_IDLE_DAYS`` are disabled (issue 14): sessions end, the event
is audited, the user and their organisation's admins are told, and bringing a reader back
takes a second approver.

Personas beyond ``world``: olive, organisation admin of school A (alice's school); connie,
organisation admin of Leeds children's services (the authority's second approver).
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from access.idle_accounts import idle_accounts_disable
from access.models import Notification, ProvisioningRequest, Role, User, UserSession
from access.notification_mail import notification_email_deliver
from access.services import org_admin_grant, session_store_class
from access.tasks import idle_accounts_disable_task
from audit.models import AccessEvent
from tests.factories import UserFactory

from .admin_forms import change_url, user_form


def _last_signed_in(user: User, days_ago: int) -> None:
    User.objects.filter(pk=user.pk).update(
        last_login=timezone.now() - timedelta(days=days_ago),
        date_joined=timezone.now() - timedelta(days=400),
    )


def _active(user: User) -> bool:
    user.refresh_from_db()
    return user.is_active


@pytest.fixture
def idle_alice(world, clock, settings):
    _last_signed_in(world.alice, settings.ACCOUNT_IDLE_DAYS + 1)
    return world.alice


def test_it_disables_an_account_unused_for_ninety_days(world, idle_alice):
    assert idle_accounts_disable() == 1
    assert not _active(idle_alice)


def test_it_leaves_an_account_used_within_ninety_days(world, clock, settings):
    _last_signed_in(world.bob, settings.ACCOUNT_IDLE_DAYS - 1)
    idle_accounts_disable()
    assert _active(world.bob)


def test_it_counts_a_never_used_account_from_its_creation(world, clock, settings):
    User.objects.filter(pk=world.charlie.pk).update(
        last_login=None, date_joined=timezone.now() - timedelta(days=settings.ACCOUNT_IDLE_DAYS + 2)
    )
    User.objects.filter(pk=world.bob.pk).update(
        last_login=None, date_joined=timezone.now() - timedelta(days=5)
    )
    idle_accounts_disable()
    assert not _active(world.charlie)
    assert _active(world.bob)


def test_it_covers_admins_supervisors_and_auditors_but_not_system_admins(world, olive, clock):
    auditor = UserFactory(organisation=None, role=Role.AUDITOR, is_staff=True)
    for user in (world.sam, olive, auditor, world.ada):
        _last_signed_in(user, 200)
    idle_accounts_disable()
    assert [_active(u) for u in (world.sam, olive, auditor, world.ada)] == [
        False,
        False,
        False,
        True,
    ]


def test_it_ends_the_sessions_of_the_account_it_disables(world, idle_alice):
    store = session_store_class()()
    store.create()
    UserSession.objects.create(user=idle_alice, session_key=store.session_key)
    idle_accounts_disable()
    assert not session_store_class()().exists(store.session_key)
    assert not UserSession.objects.filter(user=idle_alice).exists()


def test_it_audits_each_account_it_disables(world, idle_alice):
    idle_accounts_disable()
    event = AccessEvent.objects.get(action=AccessEvent.Action.ACCOUNT_IDLE_DISABLED)
    assert event.criteria["user"] == idle_alice.pk
    assert event.actor_id is None
    assert event.actor_username == "idle_accounts"


def test_it_tells_the_user_by_email_and_their_organisations_admins(world, olive, idle_alice):
    idle_accounts_disable()
    told = Notification.objects.filter(kind=Notification.Kind.ACCOUNT_DISABLED)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["alice", "olive"]
    to_alice = told.get(recipient=idle_alice)
    notification_email_deliver(notification_id=to_alice.pk)
    [message] = mail.outbox
    assert message.to == [idle_alice.email]
    assert "not been used for 90 days" in message.body
    assert not Notification.objects.filter(recipient=world.charlie).exists()


def test_it_changes_nothing_when_run_again(world, olive, idle_alice):
    assert idle_accounts_disable_task.apply().get() == 1
    assert idle_accounts_disable_task.apply().get() == 0
    assert AccessEvent.objects.filter(action=AccessEvent.Action.ACCOUNT_IDLE_DISABLED).count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.ACCOUNT_DISABLED).count() == 2


def test_it_leaves_an_account_signed_in_to_since_it_was_listed(world, idle_alice):
    """The row is re-checked under its lock: a sign-in that lands meanwhile keeps it."""
    User.objects.filter(pk=idle_alice.pk).update(last_login=timezone.now())
    assert idle_accounts_disable() == 0
    assert _active(idle_alice)


def test_it_brings_a_reader_back_only_with_a_second_approver(
    world, olive, idle_alice, as_user, stepped_up
):
    idle_accounts_disable()
    as_user(olive).post(change_url(idle_alice), user_form(idle_alice, is_active="on"))
    assert not _active(idle_alice)
    pending = ProvisioningRequest.objects.get(
        target=idle_alice, kind=ProvisioningRequest.Kind.READER_ROLE_GRANT
    )
    connie = UserFactory(organisation=world.council, role=Role.ORG_ADMIN, is_staff=True)
    org_admin_grant(user=connie, organisation=world.council)
    decision = reverse("admin:provisioning_decision", args=[pending.pk])
    stepped_up(connie).post(decision, {"decision": "approve", "note": ""})
    assert _active(idle_alice)


def test_it_gives_a_reactivated_account_a_fresh_ninety_days(world, idle_alice, as_user):
    idle_accounts_disable()
    idle_alice.refresh_from_db()
    idle_alice.is_active = True
    idle_alice.save()
    assert idle_alice.reactivated_at is not None
    assert idle_accounts_disable() == 0
    assert _active(idle_alice)


def test_it_restarts_the_clock_when_only_is_active_is_saved(world, idle_alice):
    idle_accounts_disable()
    idle_alice.refresh_from_db()
    idle_alice.is_active = True
    idle_alice.save(update_fields=["is_active"])
    idle_alice.refresh_from_db()
    assert idle_alice.reactivated_at is not None
    assert idle_accounts_disable() == 0
