"""Cloaking notifications: a sensitive service is told who looked up a child it works with.

Rule (cloaking): an involvement with a sensitive service (sexual health, mental health,
substance misuse…) is hidden from every enquirer outside that service (``scope.py``,
``cloaked_from_sql``), and in exchange the service is told who enquired — name, role,
organisation, phone, e-mail, when and why — so that it can choose to make contact. The
enquirer's response is the same whether or not such involvements exist: this runs the same
query for every shown record and only adds rows the enquirer never sees.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings

from access.models import Notification, Role, User
from access.notifications import notification_create
from directory.models import Child, Involvement

from .enquirers import child_line, enquirer_details
from .scope import cloaked_away_q

PRACTITIONER_ROLES = (
    Role.PRACTITIONER,
    Role.SUPERVISING_PRACTITIONER,
    Role.CHILD_PROTECTION_PRACTITIONER,
)
SUBJECT = "Someone looked up a child you work with"


def cloaked_enquiry_notify(
    *, child: Child, viewer: User, purpose: str, now: datetime, today: date
) -> int:
    """Tell every cloaked practitioner of ``child`` outside ``viewer``'s organisation that
    ``viewer`` looked; return how many new notifications were written.

    Called by the gateway inside the transaction of the view, after its audit event, so a
    notification exists exactly when the view does. Views by one enquirer of one child in one
    ``CLOAKED_ENQUIRY_WINDOW_HOURS`` window fold into one notification per recipient.
    """
    involvements = list(
        Involvement.objects.filter(
            cloaked_away_q(organisation_id=viewer.organisation_id, today=today), child=child
        ).select_related("practitioner__user")
    )
    if not involvements:
        return 0
    window = int(now.timestamp()) // (settings.CLOAKED_ENQUIRY_WINDOW_HOURS * 3600)
    body = _body(viewer=viewer, now=now, purpose=purpose)
    detail = child_line(
        given_name=child.given_name,
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
        public_id=child.public_id,
    )
    created = 0
    for recipient in cloaked_recipients(involvements=involvements, viewer=viewer):
        notification = notification_create(
            recipient=recipient,
            kind=Notification.Kind.CLOAKED_ENQUIRY,
            subject=SUBJECT,
            body=body,
            in_app_detail=detail,
            link=f"/children/{child.public_id}/",
            dedupe_key=f"cloaked:{recipient.pk}:{viewer.pk}:{child.pk}:{window}",
        )
        created += notification is not None
    return created


def cloaked_recipients(*, involvements: list[Involvement], viewer: User) -> list[User]:
    """The named practitioner of each involvement when they are an active user; otherwise
    the service's inbox: every active user of that organisation with a practitioner role."""
    chosen: dict[int, User] = {}
    services: list[int] = []
    for involvement in involvements:
        named = involvement.practitioner.user if involvement.practitioner else None
        if named is not None and named.is_active:
            chosen.setdefault(named.pk, named)
        else:
            services.append(involvement.organisation_id)
    if services:
        inbox = User.objects.filter(
            organisation_id__in=services, role__in=PRACTITIONER_ROLES, is_active=True
        ).order_by("pk")
        for user in inbox:
            chosen.setdefault(user.pk, user)
    chosen.pop(viewer.pk, None)
    return list(chosen.values())


def _body(*, viewer: User, now: datetime, purpose: str) -> str:
    return (
        "Someone outside your service looked up a child you work with in ContactPoint. "
        "Your service was not shown to them.\n\n"
        f"{enquirer_details(user=viewer, when=now, purpose=purpose)}\n\n"
        "If you think you should talk to them, contact them directly. Which child this is "
        "about is shown only in your ContactPoint inbox."
    )
