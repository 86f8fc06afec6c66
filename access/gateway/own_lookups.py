"""A user's own lookups, with the children they opened named (issue 17, point 6).

Rule (every user sees what was looked up in their name, so misuse in their name is noticed):
an ID means nothing to a person, a name does. What is safe to name:
- only the user's own record views, and only those that showed the record;
- a child still in the user's scope now (organisation, residence, a live grant) and whose
  record they may still open (``record_status_q``): the name is what the record would show
  them today, so the page reveals nothing they could not read by opening it again. A child
  who has left their scope, whose grant has ended or whose record was destroyed keeps its
  ContactPoint ID only: a past lookup must not keep a window open on a child.
- Searches keep what the user typed (already in the log); their results are not named.
Rule (audit before data): naming children is a read of child data, recorded in the same
transaction with the ids named.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from access.models import User
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record
from directory.models import Child

from .records import record_status_q
from .replica import child_read
from .scope import child_scope_q


def own_lookups_named(*, user: User, events: list[AccessEvent], actor: Actor) -> dict[str, str]:
    """Names, by ContactPoint ID, of the children in ``user``'s own ``events`` (record views
    that showed the record) that are still in their scope; the others are left out."""
    wanted = {
        event.child_public_id
        for event in events
        if event.actor_id == user.pk
        and event.action == AccessEvent.Action.VIEW
        and event.outcome == AccessEvent.Outcome.SHOWN
        and event.child_public_id
    }
    if not wanted or user.organisation is None:
        return {}
    now = timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        with child_read():
            names = {
                public_id: f"{given} {family}"
                for public_id, given, family in Child.objects.filter(
                    child_scope_q(user=user, now=now, today=today),
                    record_status_q(user),
                    public_id__in=sorted(wanted),
                ).values_list("public_id", "given_name", "family_name")
            }
        if names:
            access_event_record(
                actor=actor,
                action=AccessEvent.Action.OWN_LOOKUPS_VIEW,
                outcome=AccessEvent.Outcome.SHOWN,
                result_ids=sorted(names),
            )
    return names
