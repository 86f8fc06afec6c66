"""Shielding: a child at risk if located shows identity only; contact goes through the
child's local authority.

Rules (shielding):
- A shielded child shows only name, gender, date of birth and ID to everyone in scope and is
  never found by where they live (``records.py``, ``search.py``).
- The data managers of the child's own local authority see the full record and manage the
  shield (``shield_changes.py``); a child-protection practitioner may override it once
  (``shield_override.py``).
- Anyone in scope may ask the authority's management team to broker contact; the team is
  told who asked and why, the enquirer learns nothing more about the child
  (``contact_requests.py``).
- Every attempt to reach the hidden details, allowed or not, is an audit event of its own
  kind (the actions below), not an ordinary record view.
"""

from __future__ import annotations

from dataclasses import dataclass

from access.models import (
    Role,
    ShieldChange,
    User,
    role_within_ceiling,
    vetting_problems,
)
from audit.models import AccessEvent
from directory.models import Child, Organisation

# Audit actions of their own kind (each at most 20 characters, the log's column width).

REVEALED_TO_DATA_MANAGER = "data_manager"
REVEALED_BY_OVERRIDE = "override"


@dataclass(frozen=True)
class ShieldStatus:
    """What the record page may say and offer about a shield, decided here, not in templates.

    ``revealed_by`` is empty unless the full record of a shielded child is shown: to a data
    manager of the child's authority, or once after an override.
    """

    revealed_by: str = ""
    manages: bool = False
    may_override: bool = False
    lift_pending: bool = False
    lift_asked_by_viewer: bool = False


def manages_shielding(*, user: User, local_authority_id: str) -> bool:
    """Rule: a data manager of a local authority's children's services manages the shields
    of the children living in that authority, and nobody else does."""
    organisation = user.organisation
    return (
        user.role == Role.DATA_MANAGER
        and organisation is not None
        and organisation.is_local_authority
        and organisation.local_authority_id == local_authority_id
    )


def authority_managed_by(user: User, *, today) -> str | None:
    """The local authority whose records ``user`` works on as its data manager (feed
    reviews, merges, corrections), vetting current; None for anyone else. Rule: the same
    test as who manages shields, so the four cannot drift apart."""
    organisation = user.organisation
    if organisation is None or not manages_shielding(
        user=user, local_authority_id=organisation.local_authority_id
    ):
        return None
    if vetting_problems(user, today=today):
        return None
    return organisation.local_authority_id


def may_override_shield(user: User) -> bool:
    """Rule: only the child-protection role may override a shield, and only in an
    organisation allowed to hold it (role ceilings: a local authority's children's services).

    The organisation is checked here as well as when the user is saved, so a row that got
    past the model (a bulk update, an organisation whose kind changed later) still cannot.
    """
    return user.role == Role.CHILD_PROTECTION_PRACTITIONER and role_within_ceiling(
        role=user.role, organisation=user.organisation
    )


def shield_status_for(*, user: User, child: Child) -> ShieldStatus:
    manages = manages_shielding(user=user, local_authority_id=child.local_authority_id)
    asked_by = None
    if manages and child.shielded:
        asked_by = (
            ShieldChange.objects.filter(child=child, status=ShieldChange.Status.PENDING)
            .values_list("requested_by_id", flat=True)
            .first()
        )
    return ShieldStatus(
        revealed_by=REVEALED_TO_DATA_MANAGER if manages and child.shielded else "",
        manages=manages,
        may_override=child.shielded and not manages and may_override_shield(user),
        lift_pending=asked_by is not None,
        lift_asked_by_viewer=asked_by == user.pk,
    )


def view_action(status: ShieldStatus | None) -> AccessEvent.Action:
    """A data manager's full view of a shielded child is logged as its own kind of event."""
    if status is not None and status.revealed_by:
        return AccessEvent.Action.SHIELD_FULL_VIEW
    return AccessEvent.Action.VIEW


def data_managers_for(*, local_authority_id: str) -> list[User]:
    """The authority's ContactPoint management team: its children's services' data managers."""
    return list(
        User.objects.filter(
            role=Role.DATA_MANAGER,
            is_active=True,
            organisation__kind=Organisation.Kind.LA_CHILDRENS_SERVICES,
            organisation__local_authority_id=local_authority_id,
        ).order_by("pk")
    )
