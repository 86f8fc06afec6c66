"""Who viewed this child: the audit trail of one child, for a subject access request.

Rules:
- Scope: only a local-authority data manager, for a child living in their organisation's
  authority. Anyone else, a child elsewhere and a child that does not exist get the same
  ``ChildNotFound`` after the same query and the same audit insert.
- Cloaking (issue 14, finding 7): lookups by a sensitive service, or by any organisation with a
  cloaked involvement with the child, are left out of the report, without a placeholder, a
  count or any other trace: a report handed to a family must not reveal, or hint, that a
  sexual-health clinic looked the child up. They are shown only when the data manager states
  a reason (at least ``JUSTIFICATION_MIN_LENGTH`` characters) after a fresh second factor (the
  view's ``require_step_up``); the reason is written to the report's own audit event.
- Audit before data: producing the report is itself a read of the child, recorded in the
  same transaction as the read.
- The report names organisations and roles, never the individual practitioners.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from access.models import Role, User
from audit.models import AccessEvent
from audit.selectors import access_events_about_child
from audit.writer import Actor, access_event_record
from directory.models import Child, Organisation

from .errors import ChildNotFound, SearchRefused
from .gate import ensure_may_read
from .merges import merged_public_ids

PURPOSE = "subject_access_request"
LINE_LIMIT = 2000
REASON_TOO_SHORT = "Say why you need lookups by confidential services, in at least {n} characters"

_WHAT = {
    AccessEvent.Action.VIEW: "Opened the record",
    AccessEvent.Action.SEARCH: "Found in search results",
    AccessEvent.Action.DIRECTORY_SEARCH: "Found in an emergency search of the whole directory",
    AccessEvent.Action.ACCESS_GRANTED: "Given emergency or approved access",
    AccessEvent.Action.SUPERVISION_VIEW: "Reviewed a request for access",
    AccessEvent.Action.WHO_VIEWED_REPORT: "Produced this report",
}


# Looks by one person, of one kind, each within this long of the last, are one line of the
# report: a supervisor reloading a request is one review, not five (issue 17, point 6).
SAME_LOOK = timedelta(minutes=15)


@dataclass(frozen=True)
class ViewerLine:
    occurred_at: datetime
    what: str
    organisation: str
    role: str
    confidential: bool
    # A run of the same look by the same person: how many events, and when the last was.
    times: int = 1
    last_at: datetime | None = None


@dataclass(frozen=True)
class ChildViewersReport:
    public_id: str
    child_name: str
    date_of_birth: date
    local_authority: str
    include_cloaked: bool
    # Why the data manager asked for confidential services' lookups ("" when they did not).
    disclosure_reason: str
    lines: list[ViewerLine]
    truncated: bool
    produced_at: datetime

    @property
    def looks(self) -> int:
        return sum(line.times for line in self.lines)


def child_viewers_report(
    *, user: User, public_id: str, actor: Actor, disclosure_reason: str = ""
) -> ChildViewersReport:
    """Who looked at ``public_id``'s details and when, for ``user`` (see the module rules).

    With ``disclosure_reason``, lookups by confidential services are included; the caller has
    asked for a fresh second factor first."""
    now = timezone.now()
    disclosure_reason = " ".join(disclosure_reason.split())
    include_cloaked = bool(disclosure_reason)
    if include_cloaked and len(disclosure_reason) < settings.JUSTIFICATION_MIN_LENGTH:
        raise SearchRefused([REASON_TOO_SHORT.format(n=settings.JUSTIFICATION_MIN_LENGTH)])
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
        report = _report(child, disclosure_reason, now) if child else None
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.WHO_VIEWED_REPORT,
            outcome=AccessEvent.Outcome.SHOWN if report else AccessEvent.Outcome.NOT_FOUND,
            purpose=PURPOSE,
            criteria={"include_cloaked": include_cloaked},
            child_public_id=public_id,
            reason=f"confidential services included: {disclosure_reason}"[:300]
            if include_cloaked
            else "",
        )
    if report is None:
        raise ChildNotFound(public_id)
    return report


def _action_label(action: str) -> str:
    """The log's own words for an action ("Break-glass endorsed"), never its code."""
    if action in AccessEvent.Action.values:
        return AccessEvent.Action(action).label
    return action.replace("_", " ").capitalize()


def _authority_of(user: User) -> int | None:
    """The authority whose children ``user`` may report on; None (matches nothing) for
    anyone but a data manager of a local authority."""
    organisation = user.organisation
    if user.role != Role.DATA_MANAGER or organisation is None:
        return None
    return organisation.local_authority_id if organisation.is_local_authority else None


def _report(child: Child, disclosure_reason: str, now: datetime) -> ChildViewersReport:
    confidential_services = Organisation.objects.filter(
        Q(sensitive_service=True) | Q(involvements__child=child, involvements__cloaked=True)
    ).values("pk")
    # Left out in the query, before the cap: the count, the cap and its notice hint at nothing.
    events = access_events_about_child(
        public_ids=[child.public_id, *merged_public_ids(child.public_id)],
        limit=LINE_LIMIT + 1,
        leave_out_organisations=None if disclosure_reason else confidential_services,
    )
    org_ids = {e.organisation_id for e in events if e.organisation_id is not None}
    organisations = Organisation.objects.in_bulk(org_ids)
    confidential = set(
        confidential_services.filter(pk__in=org_ids).values_list("pk", flat=True)
        if disclosure_reason
        else ()
    )
    lines = _runs_joined(
        [
            (event, _line(event, organisations, confidential=event.organisation_id in confidential))
            for event in events[:LINE_LIMIT]
        ]
    )
    return ChildViewersReport(
        public_id=child.public_id,
        child_name=f"{child.given_name} {child.family_name}",
        date_of_birth=child.date_of_birth,
        local_authority=child.local_authority.name,
        include_cloaked=bool(disclosure_reason),
        disclosure_reason=disclosure_reason,
        lines=lines,
        truncated=len(events) > LINE_LIMIT,
        produced_at=now,
    )


def _runs_joined(pairs: list[tuple[AccessEvent, ViewerLine]]) -> list[ViewerLine]:
    """One line for each run of the same look by the same person (``SAME_LOOK``).

    The display is joined, not the log: every reload stays an event of its own (rule: every
    look is recorded; writing fewer events could hide a distinct look), and the line says how
    many times and until when, so no look is hidden from the family either.
    """
    lines: list[ViewerLine] = []
    previous: AccessEvent | None = None
    for event, line in pairs:
        last = lines[-1] if lines else None
        if (
            last is not None
            and previous is not None
            and (event.actor_id, event.action) == (previous.actor_id, previous.action)
            and event.actor_id is not None
            and event.occurred_at - previous.occurred_at <= SAME_LOOK
        ):
            lines[-1] = replace(last, times=last.times + 1, last_at=event.occurred_at)
        else:
            lines.append(line)
        previous = event
    return lines


def _line(event: AccessEvent, organisations: dict, *, confidential: bool) -> ViewerLine:
    organisation = organisations.get(event.organisation_id)
    role = Role(event.actor_role).label if event.actor_role in Role.values else event.actor_role
    return ViewerLine(
        occurred_at=event.occurred_at,
        what=_WHAT.get(event.action) or _action_label(event.action),
        organisation=organisation.name if organisation else "No organisation recorded",
        role=role,
        confidential=confidential,
    )
