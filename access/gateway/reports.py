"""Who viewed this child: the audit trail of one child, for a subject access request.

Rules:
- Scope: only a local-authority data manager, for a child living in their organisation's
  authority. Anyone else, a child elsewhere and a child that does not exist get the same
  ``ChildNotFound`` after the same query and the same audit insert.
- Cloaking: lookups by a sensitive service, or by any organisation with a cloaked involvement
  with the child, are withheld unless the data manager explicitly asks to include them; a
  report sent to a family must not reveal, say, a sexual-health clinic. The choice is part of
  the report's own audit event.
- Audit before data: producing the report is itself a read of the child, recorded in the
  same transaction as the read.
- The report names organisations and roles, never the individual practitioners.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from access.models import Role
from audit.models import AccessEvent
from audit.selectors import access_events_about_child
from audit.writer import Actor, access_event_record
from directory.models import Child, Organisation

from .errors import ChildNotFound
from .gate import ensure_may_read

WHO_VIEWED = "who_viewed_report"
PURPOSE = "subject_access_request"
LINE_LIMIT = 2000
WITHHELD = "Withheld: confidential service"

_WHAT = {
    AccessEvent.Action.VIEW: "Opened the record",
    AccessEvent.Action.SEARCH: "Found in search results",
    "directory_search": "Found in an emergency search of the whole directory",
    "access_granted": "Given emergency or approved access",
    "supervision_view": "Reviewed a request for access",
    WHO_VIEWED: "Produced this report",
}


@dataclass(frozen=True)
class ViewerLine:
    occurred_at: datetime
    what: str
    organisation: str
    role: str
    confidential: bool


@dataclass(frozen=True)
class ChildViewersReport:
    public_id: str
    child_name: str
    date_of_birth: date
    local_authority: str
    include_cloaked: bool
    lines: list[ViewerLine]
    # Lines whose organisation and role are withheld (0 when the data manager included them).
    withheld: int
    truncated: bool
    produced_at: datetime


def child_viewers_report(
    *, user, public_id: str, include_cloaked: bool, actor: Actor
) -> ChildViewersReport:
    """Who looked at ``public_id``'s details and when, for ``user`` (see the module rules)."""
    now = timezone.now()
    ensure_may_read(
        user=user,
        actor=actor,
        today=timezone.localdate(now),
        purpose=PURPOSE,
        criteria={"public_id": public_id, "include_cloaked": include_cloaked},
    )
    with transaction.atomic():
        child = (
            Child.objects.filter(public_id=public_id, local_authority_id=_authority_of(user))
            .select_related("local_authority")
            .first()
        )
        report = _report(child, include_cloaked, now) if child else None
        access_event_record(
            actor=actor,
            action=WHO_VIEWED,
            outcome=AccessEvent.Outcome.SHOWN if report else AccessEvent.Outcome.NOT_FOUND,
            purpose=PURPOSE,
            criteria={"include_cloaked": include_cloaked},
            child_public_id=public_id,
        )
    if report is None:
        raise ChildNotFound(public_id)
    return report


def _authority_of(user) -> int | None:
    """The authority whose children ``user`` may report on; None (matches nothing) for
    anyone but a data manager of a local authority."""
    organisation = user.organisation
    if user.role != Role.DATA_MANAGER or organisation is None:
        return None
    return organisation.local_authority_id if organisation.is_local_authority else None


def _report(child: Child, include_cloaked: bool, now: datetime) -> ChildViewersReport:
    events = access_events_about_child(public_id=child.public_id, limit=LINE_LIMIT + 1)
    org_ids = {e.organisation_id for e in events if e.organisation_id is not None}
    organisations = Organisation.objects.in_bulk(org_ids)
    confidential = set(
        Organisation.objects.filter(
            Q(sensitive_service=True) | Q(involvements__child=child, involvements__cloaked=True),
            pk__in=org_ids,
        ).values_list("pk", flat=True)
    )
    lines = [
        _line(event, organisations, confidential=event.organisation_id in confidential)
        for event in events[:LINE_LIMIT]
    ]
    shown = lines if include_cloaked else [_withhold(line) for line in lines]
    return ChildViewersReport(
        public_id=child.public_id,
        child_name=f"{child.given_name} {child.family_name}",
        date_of_birth=child.date_of_birth,
        local_authority=child.local_authority.name,
        include_cloaked=include_cloaked,
        lines=shown,
        withheld=0 if include_cloaked else sum(line.confidential for line in lines),
        truncated=len(events) > LINE_LIMIT,
        produced_at=now,
    )


def _line(event: AccessEvent, organisations: dict, *, confidential: bool) -> ViewerLine:
    organisation = organisations.get(event.organisation_id)
    role = Role(event.actor_role).label if event.actor_role in Role.values else event.actor_role
    return ViewerLine(
        occurred_at=event.occurred_at,
        what=_WHAT.get(event.action, event.action.replace("_", " ").capitalize()),
        organisation=organisation.name if organisation else "No organisation recorded",
        role=role,
        confidential=confidential,
    )


def _withhold(line: ViewerLine) -> ViewerLine:
    if not line.confidential:
        return line
    return ViewerLine(line.occurred_at, line.what, WITHHELD, WITHHELD, confidential=True)
