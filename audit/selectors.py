"""Reads of the lookup log."""

from django.db.models import QuerySet

from .models import AccessEvent

LOOKUP_ACTIONS = (AccessEvent.Action.SEARCH, AccessEvent.Action.VIEW, AccessEvent.Action.REFUSED)


def access_event_list_for_actor(*, actor_id: int, limit: int = 50) -> QuerySet[AccessEvent]:
    """A user's own most recent lookups, newest first (rule: every user can see what they
    looked up, so that misuse in their name is noticed)."""
    return AccessEvent.objects.filter(actor_id=actor_id, action__in=LOOKUP_ACTIONS).order_by(
        "-occurred_at", "-id"
    )[:limit]
