"""The demo users' vetting as evidence (issue 14): certificates attested by an admin, one
reader's training about to lapse (with its reminders), and a quarter's recertification begun.

So that ``make run`` shows each part working: the admin user page names who attested whom;
``teacher.a2`` and ``orgadmin.school`` find a reminder in their inbox; ``supervisor.schools``
finds a recertification queue with one member already answered for this quarter.
"""

from __future__ import annotations

from django.utils import timezone

from access.models import Recertification, Role, User
from access.recertification.services import quarter_start
from access.vetting.reminders import vetting_reminders_send

# Who vouched for the personas' evidence: their organisation's admin where the demo has one,
# else the system admin (who cannot vouch for themselves, so nobody did).
SYSTEM_ADMIN = "admin"
# Answered already this quarter, by their supervisor.
RECERTIFIED = ("teacher.a2",)


def demo_vetting_write(*, users: dict[str, User]) -> None:
    now = timezone.now()
    admins = {u.organisation_id: u for u in users.values() if u.role == Role.ORG_ADMIN}
    for user in users.values():
        attester = admins.get(user.organisation_id, users.get(SYSTEM_ADMIN))
        if attester is not None and attester.pk != user.pk:
            user.vetting_attested_by, user.vetting_attested_at = attester, now
    User.objects.bulk_update(users.values(), ["vetting_attested_by", "vetting_attested_at"])
    for username in RECERTIFIED:
        member = users[username]
        Recertification.objects.create(
            member=member,
            supervisor=member.supervisor,
            quarter_start=quarter_start(timezone.localdate()),
            decision=Recertification.Decision.CONFIRMED,
            decided_at=now,
        )
    vetting_reminders_send()
