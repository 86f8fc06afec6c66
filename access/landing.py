"""Where each role starts, and what to tell someone who opens a page their role has no use for.

Issue 17 (point 2): supervisors, auditors and admins landed on "Find a child", which they
cannot use, and learnt so only from a refusal. Each role now starts on the page its work is
on, after signing in and from ``/``; the service navigation (``templates/base.html``) offers
the same pages.
"""

from dataclasses import dataclass

from django.urls import reverse

from .admin_permissions import admin_site_allowed
from .models import Role


@dataclass(frozen=True)
class Landing:
    url: str
    title: str
    work: str


_FIND_A_CHILD = ("directory:search", "Find a child", "")
_INBOX = ("inbox:inbox", "Inbox", "")
_ADMIN = ("admin:index", "ContactPoint administration")

# Roles that read child data start at the search, whatever this table says.
_WORK = {
    Role.SUPERVISOR: (
        "break_glass:supervision",
        "Supervision",
        "Supervisors judge the emergency access and access requests of the people they "
        "supervise, see their team's lookups and review misuse alerts about them. They do not "
        "search for children themselves.",
    ),
    Role.AUDITOR: (
        "break_glass:escalations",
        "Escalations",
        "Auditors review emergency access that supervisors escalated or rejected, the misuse "
        "alerts and the history of changes. They do not search for children themselves.",
    ),
    Role.ORG_ADMIN: (
        *_ADMIN,
        "Organisation admins manage their organisation's ContactPoint users. No admin "
        "account can see children's records.",
    ),
    Role.SYSTEM_ADMIN: (
        *_ADMIN,
        "System admins manage organisations and users. No admin account can see children's "
        "records.",
    ),
}


def landing_for(user) -> Landing:
    """The page ``user``'s role works from. An admin the admin site would turn away (not
    staff, say) is sent to their inbox rather than into a loop through the sign-in page."""
    if user.reads_child_data:
        name, title, work = _FIND_A_CHILD
    else:
        name, title, work = _WORK.get(user.role, _INBOX)
        if name == "admin:index" and not admin_site_allowed(user):
            name, title = _INBOX[:2]
    return Landing(url=reverse(name), title=title, work=work)
