"""How an enquirer is described to the people told about their enquiry.

Rule (cloaking, shielding): whoever is told that someone looked for a child — a cloaked
service, a local authority's management team, a supervisor — must be able to reach that
person, so every such message carries the same facts: name, role, organisation, phone,
e-mail, when and why.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from access.models import User
from access.purposes import Purpose


def purpose_label(purpose: str) -> str:
    return Purpose(purpose).label if purpose in Purpose.values else purpose


def enquirer_details(*, user: User, when: datetime, purpose: str = "") -> str:
    """Plain-text lines about ``user`` and their enquiry, safe to e-mail: no child in them."""
    organisation = user.organisation.name if user.organisation else "No organisation"
    lines = [
        f"Who: {user.get_full_name() or user.username}",
        f"Role: {user.job_title or user.get_role_display()}",
        f"Organisation: {organisation}",
        f"Phone: {user.phone or 'not recorded'}",
        f"Email: {user.email or 'not recorded'}",
        f"When: {timezone.localtime(when):%H:%M on %-d %B %Y}",
    ]
    if purpose:
        lines.append(f"Why: {purpose_label(purpose)}")
    return "\n".join(lines)


def child_line(*, given_name: str, family_name: str, date_of_birth, public_id: str) -> str:
    """The child as the inbox (never the e-mail) names them."""
    return (
        f"Child: {given_name} {family_name}, born {date_of_birth:%-d %B %Y} "
        f"(ContactPoint ID {public_id})"
    )
