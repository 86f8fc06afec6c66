"""Reads of the lookup log."""

from django.db.models import Q, QuerySet

from .models import AccessEvent

LOOKUP_ACTIONS = (AccessEvent.Action.SEARCH, AccessEvent.Action.VIEW, AccessEvent.Action.REFUSED)
# Outcomes in which nothing about a child was shown.
NOTHING_SHOWN = (
    AccessEvent.Outcome.NOT_FOUND,
    AccessEvent.Outcome.REFUSED,
    AccessEvent.Outcome.FAILED,
)


def access_event_list_for_actor(*, actor_id: int, limit: int = 50) -> QuerySet[AccessEvent]:
    """A user's own most recent lookups, newest first (rule: every user can see what they
    looked up, so that misuse in their name is noticed)."""
    return AccessEvent.objects.filter(actor_id=actor_id, action__in=LOOKUP_ACTIONS).order_by(
        "-occurred_at", "-id"
    )[:limit]


def access_event_list_for_team(*, member_ids: list[int], limit: int = 200) -> QuerySet[AccessEvent]:
    """The most recent lookups by a supervisor's team, newest first (rule: supervisors review
    their team's use of the directory). Served by the (actor_id, occurred_at) index."""
    return AccessEvent.objects.filter(actor_id__in=member_ids, action__in=LOOKUP_ACTIONS).order_by(
        "-occurred_at", "-id"
    )[:limit]


def access_events_about_child(*, public_id: str, limit: int) -> list[AccessEvent]:
    """Every event in which something about the child was shown to someone: events naming the
    child (record views, grants, reviews) and searches whose results included them, oldest
    first. Served by the (child_public_id, occurred_at) and result_ids indexes."""
    return list(
        AccessEvent.objects.filter(
            Q(child_public_id=public_id) | Q(result_ids__contains=[public_id])
        )
        .exclude(outcome__in=NOTHING_SHOWN)
        .order_by("occurred_at", "id")[:limit]
    )
