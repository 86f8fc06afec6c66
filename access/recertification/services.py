"""Supervisors recertify their team's access every quarter.

Rule (recertification): access nobody vouches for is access nobody needs. Each London calendar
quarter, a supervisor answers for each active member of their team: they still need
ContactPoint (confirmed), or they do not (withdrawn). The supervisor sees beside each name
what that person did with it lately (``audit.selectors.lookup_summaries``), so the answer is
informed, not a rubber stamp. Withdrawal disables the account through the same service as any
deactivation (sessions end at once); bringing it back is a reactivation, which for a reader
takes a second approver (``access.provisioning``). Each answer is audited.

Overdue: a member with no answer for the quarter just ended, nor yet for this one,
``RECERTIFICATION_GRACE_DAYS`` into the new quarter, is chased — their supervisor and their
organisation's admins are told, at most once a week each, until someone answers. The account is
not disabled for it: a supervisor's silence is not evidence the practitioner has no need, and
switching off a social worker for their manager's backlog would hurt the children the service
is for. The organisation's admins answer for it instead (they can reassign the supervisor or
deactivate the account themselves).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from audit.models import AccessEvent
from audit.selectors import LookupSummary, lookup_summaries
from audit.writer import Actor, access_event_record
from contactpoint.errors import NotFound, Refused

from ..admin_permissions import organisation_admins
from ..models import Notification, Recertification, User
from ..notifications import account_disabled_notify, notification_create
from ..services import user_deactivate

Decision = Recertification.Decision
# The lookups summary beside each name covers this many days.
SUMMARY_DAYS = 90
# Names listed in one overdue message; the rest are counted.
NAMES_LISTED = 20


class RecertificationRefused(Refused):
    """``reason`` says, in words the supervisor can act on, why the answer was not taken."""


class TeamMemberNotFound(NotFound):
    """Not an active member of this supervisor's team (the same answer as no such user)."""


# --- Quarters -----------------------------------------------------------------------------------


def quarter_start(day: date) -> date:
    """The first day of ``day``'s calendar quarter (January, April, July, October)."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_after(start: date) -> date:
    month = start.month + 3
    return date(start.year + (month > 12), (month - 1) % 12 + 1, 1)


def quarter_before(start: date) -> date:
    month = start.month - 3
    return date(start.year - (month < 1), (month - 1) % 12 + 1, 1)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- The queue ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    member: User
    summary: LookupSummary
    overdue: bool = False
    answer: Recertification | None = None


@dataclass(frozen=True)
class RecertificationQueue:
    quarter_start: date
    quarter_end: date
    summary_since: date
    due: list[MemberRow]
    done: list[MemberRow]


def _team(supervisor: User):
    return User.objects.filter(supervisor=supervisor, is_active=True).exclude(pk=supervisor.pk)


def team_member_get(*, supervisor: User, member_id: int) -> User:
    """The one access function for a member's recertification: an active member of this
    supervisor's own team, or ``TeamMemberNotFound``."""
    member = _team(supervisor).select_related("organisation").filter(pk=member_id).first()
    if member is None:
        raise TeamMemberNotFound(member_id)
    return member


def recertification_queue(*, supervisor: User, today: date | None = None) -> RecertificationQueue:
    """This quarter's answers for ``supervisor``'s team: the members still due (the overdue
    first) and those answered, each with their lookups summary. Only the supervisor's own
    team, ever: the rows come from ``User.supervisor``."""
    today = today or timezone.localdate()
    start = quarter_start(today)
    previous = quarter_before(start)
    answers = {
        answer.member_id: answer
        for answer in Recertification.objects.filter(
            member__supervisor=supervisor, quarter_start=start
        ).select_related("member")
    }
    members = list(
        _team(supervisor).exclude(pk__in=answers).order_by("last_name", "first_name", "pk")
    )
    overdue = _overdue_ids(members=members, previous=previous, today=today)
    since = today - timedelta(days=SUMMARY_DAYS)
    answered = sorted(answers.values(), key=lambda answer: answer.decided_at)
    summaries = lookup_summaries(
        actor_ids=[m.pk for m in members] + [a.member_id for a in answered],
        since=_local_midnight(since),
        reviewer_id=supervisor.pk,
    )
    due = [MemberRow(m, summaries[m.pk], overdue=m.pk in overdue) for m in members]
    due.sort(key=lambda row: not row.overdue)
    done = [MemberRow(a.member, summaries[a.member_id], answer=a) for a in answered]
    return RecertificationQueue(
        quarter_start=start,
        quarter_end=quarter_after(start) - timedelta(days=1),
        summary_since=since,
        due=due,
        done=done,
    )


def _overdue_ids(*, members: list[User], previous: date, today: date) -> set[int]:
    """Of members not yet answered this quarter, those unanswered for the previous one too,
    past the grace days, who were there before it ended."""
    this_quarter = quarter_after(previous)
    if today < this_quarter + timedelta(days=settings.RECERTIFICATION_GRACE_DAYS):
        return set()
    answered = set(
        Recertification.objects.filter(member__in=members, quarter_start=previous).values_list(
            "member_id", flat=True
        )
    )
    joined_before = _local_midnight(this_quarter)
    return {m.pk for m in members if m.pk not in answered and m.date_joined < joined_before}


# --- Answering ----------------------------------------------------------------------------------


def recertification_decide(
    *,
    supervisor: User,
    member_id: int,
    decision: str,
    note: str,
    actor: Actor,
    today: date | None = None,
) -> Recertification:
    """Record the supervisor's answer for one member this quarter, audited; a withdrawal
    disables the account and tells the member and their organisation's admins.

    Rules: only the member's own supervisor answers (anyone else: ``TeamMemberNotFound``);
    nobody answers for themselves; one answer per member per quarter; a withdrawal says why.
    """
    today = today or timezone.localdate()
    note = note.strip()
    if decision not in Decision.values:
        raise RecertificationRefused("Choose whether they still need access.")
    if decision == Decision.WITHDRAWN and not note:
        raise RecertificationRefused("Say why their access should be withdrawn.")
    start = quarter_start(today)
    with transaction.atomic():
        member = (
            _team(supervisor)
            .select_for_update(of=("self",))
            .select_related("organisation")
            .filter(pk=member_id)
            .first()
        )
        if member is None:
            raise TeamMemberNotFound(member_id)
        if Recertification.objects.filter(member=member, quarter_start=start).exists():
            raise RecertificationRefused("This quarter's answer for them is already recorded.")
        answer = Recertification.objects.create(
            member=member,
            supervisor=supervisor,
            quarter_start=start,
            decision=decision,
            note=note,
            decided_at=timezone.now(),
        )
        withdrawn = decision == Decision.WITHDRAWN
        access_event_record(
            actor=actor,
            action=(
                AccessEvent.Action.ACCESS_WITHDRAWN if withdrawn else AccessEvent.Action.RECERTIFIED
            ),
            outcome=AccessEvent.Outcome.OK,
            criteria={"member": member.pk, "quarter": start.isoformat(), "decision": decision},
            reason=note,
        )
        if withdrawn:
            user_deactivate(user=member)
            _withdrawal_tell(member=member, supervisor=supervisor, note=note)
    return answer


def _withdrawal_tell(*, member: User, supervisor: User, note: str) -> None:
    by = supervisor.get_full_name() or supervisor.get_username()
    name = member.get_full_name() or member.get_username()
    account_disabled_notify(
        user=member,
        key=f"recert-withdrawn:{member.pk}:{timezone.now().isoformat()}",
        subject="Your ContactPoint access was withdrawn",
        body=(
            f"{by}, your supervisor, recorded that you no longer need ContactPoint, so your "
            "account was disabled. If that is wrong, talk to them or to your organisation's "
            "ContactPoint administrator."
        ),
        admin_subject=f"Access withdrawn at recertification: {member.get_username()}",
        admin_body=(
            f"{by} withdrew the ContactPoint access of {name} ({member.get_username()}) "
            f"at this quarter's recertification, and the account was disabled. Their "
            f"reason: {note}"
        ),
    )


# --- Overdue ------------------------------------------------------------------------------------


def recertifications_overdue_chase(*, today: date | None = None) -> int:
    """Tell supervisors and organisation admins about members whose recertification is
    overdue (see the module's docstring); at most once per recipient per week, so a daily run
    repeats nothing within the week. Returns how many notifications were created."""
    today = today or timezone.localdate()
    start = quarter_start(today)
    previous = quarter_before(start)
    if today < start + timedelta(days=settings.RECERTIFICATION_GRACE_DAYS):
        return 0
    overdue = list(
        User.objects.filter(
            is_active=True,
            supervisor__isnull=False,
            date_joined__lt=_local_midnight(start),
        )
        .exclude(recertifications__quarter_start__in=(previous, start))
        .select_related("supervisor", "organisation")
        .order_by("last_name", "first_name", "pk")
    )
    overdue = [m for m in overdue if m.supervisor_id != m.pk]
    by_recipient: dict[User, list[User]] = defaultdict(list)
    for member in overdue:
        if member.supervisor.is_active:
            by_recipient[member.supervisor].append(member)
        for admin in organisation_admins(member.organisation):
            by_recipient[admin].append(member)
    week = today.isocalendar()
    quarter = _quarter_label(previous)
    created = 0
    for recipient, members in by_recipient.items():
        with transaction.atomic():
            created += _overdue_tell(
                recipient=recipient,
                members=members,
                quarter=quarter,
                key=f"recert-overdue:{previous.isoformat()}:{week.year}-{week.week}:{recipient.pk}",
            )
    return created


def _quarter_label(start: date) -> str:
    end = quarter_after(start) - timedelta(days=1)
    return f"{date_format(start, 'F')} to {date_format(end, 'F Y')}"


def _overdue_tell(*, recipient: User, members: list[User], quarter: str, key: str) -> int:
    own_team = all(member.supervisor_id == recipient.pk for member in members)
    names = ", ".join(m.get_full_name() or m.get_username() for m in members[:NAMES_LISTED])
    more = len(members) - NAMES_LISTED
    if more > 0:
        names += f" and {more} more"
    if own_team:
        subject = f"Overdue: recertify {len(members)} of your team"
        body = (
            f"You have not said whether these members of your team still need ContactPoint "
            f"for {quarter}: {names}. Answer for each on your recertification page."
        )
        link = reverse("recertification:queue")
    else:
        subject = f"Overdue recertification: {len(members)} of your users"
        body = (
            f"Nobody has said whether these users still need ContactPoint for {quarter}: "
            f"{names}. Ask their supervisors to answer, give them a supervisor who will, or "
            "deactivate those who no longer need it."
        )
        link = reverse("admin:access_user_changelist")
    notification = notification_create(
        recipient=recipient,
        kind=Notification.Kind.RECERTIFICATION,
        subject=subject,
        body=body,
        link=link,
        dedupe_key=key,
    )
    return 0 if notification is None else 1
