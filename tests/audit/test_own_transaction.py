"""Refusals are written on a connection of their own, so they outlive a request that rolls
back. Needs real commits on two connections, hence transactional tests."""

import pytest
from django.db import transaction
from django.utils import timezone

from access.gateway import SearchRefused
from access.gateway.gate import ensure_may_read
from audit.models import AccessEvent
from audit.writer import Actor
from tests.factories import UserFactory


def _refuse_inside_a_request_that_rolls_back() -> int:
    unvetted = UserFactory(dbs_checked_on=None)
    actor = Actor(unvetted.pk, unvetted.username, unvetted.role, None, "192.0.2.1", "pytest")
    with pytest.raises(SearchRefused), transaction.atomic():
        ensure_may_read(
            user=unvetted, actor=actor, today=timezone.localdate(), purpose="referral", criteria={}
        )
    return unvetted.pk


@pytest.mark.django_db(transaction=True, databases=["default", "audit"])
def test_it_keeps_a_refusal_when_the_request_rolls_back(settings):
    settings.AUDIT_NOW_DATABASE = "audit"
    user_id = _refuse_inside_a_request_that_rolls_back()
    assert AccessEvent.objects.filter(actor_id=user_id, outcome="refused").count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_would_lose_the_refusal_on_the_requests_own_connection(settings):
    settings.AUDIT_NOW_DATABASE = "default"
    user_id = _refuse_inside_a_request_that_rolls_back()
    assert not AccessEvent.objects.filter(actor_id=user_id).exists()
