"""Scope: which children a user may see, as one SQL condition computed from relations.

Rule: a user sees a child when their organisation has an active involvement with the child,
or — for local-authority children's services — the child lives in that authority, or the user
holds a live grant for that child (break-glass or an approved request). There are no per-child
permission rows; the condition is evaluated by PostgreSQL in the same query that reads the
child.
"""

from datetime import date, datetime

from django.db.models import Exists, OuterRef, Q

from access.models import AccessRequest
from directory.models import Involvement, Organisation


def active_involvement_q(*, today: date, prefix: str = "") -> Q:
    """An involvement that has started and not ended (``ended_on`` is the first day off)."""
    return Q(**{f"{prefix}started_on__lte": today}) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gt": today})
    )


def live_grant_exists(*, user_id: int, now: datetime) -> Exists:
    """A granted request of ``user_id`` for the outer child that has not yet expired."""
    return Exists(
        AccessRequest.objects.filter(
            requester_id=user_id,
            child=OuterRef("pk"),
            status=AccessRequest.Status.GRANTED,
            granted_at__lte=now,
            expires_at__gt=now,
        )
    )


def child_scope_q(*, user, now: datetime, today: date) -> Q:
    """The condition on ``Child`` rows that puts them in ``user``'s scope."""
    organisation: Organisation = user.organisation
    involved = Involvement.objects.filter(
        active_involvement_q(today=today),
        child=OuterRef("pk"),
        organisation_id=organisation.pk,
    )
    condition = Q(Exists(involved)) | Q(live_grant_exists(user_id=user.pk, now=now))
    if organisation.is_local_authority:
        condition |= Q(local_authority_id=organisation.local_authority_id)
    return condition


def visible_involvements_q(*, organisation: Organisation, today: date) -> Q:
    """Involvements an enquirer from ``organisation`` may see on a record.

    Rule (cloaking): a cloaked involvement is shown only to its own organisation; everyone
    else sees the record exactly as if it did not exist.
    """
    return active_involvement_q(today=today) & (
        Q(cloaked=False) | Q(organisation_id=organisation.pk)
    )
