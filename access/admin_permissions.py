"""Who may do what in Django admin, decided by role and one guardian row per organisation.

Rule: system admins manage every organisation and user; an organisation admin manages only
the users of organisations they hold ``directory.manage_users`` on, and only up to their own
level; auditors read users, organisations and the history. Django's model permissions play
no part, so nobody needs per-user permission rows, and ``is_superuser`` grants nothing here.
"""

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user, get_users_with_perms

from directory.models import Organisation

from .models import ADMIN_ROLES, ROLE_CEILINGS, Role, User

MANAGE_USERS = "directory.manage_users"

# Roles that reach the admin site at all; ``is_staff`` follows the role (see services).
ADMIN_SITE_ROLES = ADMIN_ROLES | {Role.AUDITOR}

# Roles an organisation admin may not hand out: anything at or above their own level.
_ABOVE_ORG_ADMIN = frozenset({Role.SYSTEM_ADMIN, Role.ORG_ADMIN, Role.AUDITOR})


def _holds(user, role: Role) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == role)


def is_system_admin(user) -> bool:
    return _holds(user, Role.SYSTEM_ADMIN)


def is_org_admin(user) -> bool:
    return _holds(user, Role.ORG_ADMIN)


def is_auditor(user) -> bool:
    return _holds(user, Role.AUDITOR)


def admin_site_allowed(user) -> bool:
    """Rule: the admin site is for admins and auditors, as staff, with a verified second
    factor; a practitioner who was made staff by mistake still gets nothing."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.role in ADMIN_SITE_ROLES
        and user.is_verified()
    )


def organisations_granted_to(user) -> QuerySet[Organisation]:
    """Organisations ``user`` holds a ``manage_users`` grant on, whatever their role now."""
    return get_objects_for_user(
        user,
        MANAGE_USERS,
        klass=Organisation,
        accept_global_perms=False,
        with_superuser=False,
    )


def organisations_managed_by(user) -> QuerySet[Organisation]:
    """Organisations whose users ``user`` may manage: all for a system admin, those with a
    ``manage_users`` grant for an organisation admin, none for anyone else (a grant left
    behind on a former admin is inert)."""
    if is_system_admin(user):
        return Organisation.objects.all()
    if is_org_admin(user):
        return organisations_granted_to(user)
    return Organisation.objects.none()


def organisations_visible_to(user) -> QuerySet[Organisation]:
    """Auditors read every organisation (history links point there); admins see those they
    manage."""
    if is_auditor(user):
        return Organisation.objects.all()
    return organisations_managed_by(user)


def organisation_admins(organisation: Organisation | None) -> list[User]:
    """The active organisation admins who manage ``organisation``'s users, by id: those told
    about its users' accounts and who answer for them. None for no organisation."""
    if organisation is None:
        return []
    holders = get_users_with_perms(
        organisation, with_group_users=False, only_with_perms_in=["manage_users"]
    )
    return sorted(
        (admin for admin in holders if admin.role == Role.ORG_ADMIN and admin.is_active),
        key=lambda admin: admin.pk,
    )


def users_managed_by(user) -> QuerySet[User]:
    """Users ``user`` may see and, within ``roles_grantable_by``, change.

    Rule: an organisation admin cannot see another organisation's users at all, so a lookup
    outside this queryset answers exactly as for a user that does not exist.
    """
    if is_system_admin(user):
        return User.objects.all()
    if is_org_admin(user):
        return User.objects.filter(organisation__in=organisations_managed_by(user))
    return User.objects.none()


def users_visible_to(user) -> QuerySet[User]:
    """Auditors read every user, read-only, so the history's actors can be looked up."""
    if is_auditor(user):
        return User.objects.all()
    return users_managed_by(user)


def roles_grantable_by(user) -> list[Role]:
    """Rule: nobody grants a role above their own; an organisation admin hands out only the
    working roles, never admin or auditor."""
    if is_system_admin(user):
        return list(Role)
    if is_org_admin(user):
        return [role for role in Role if role not in _ABOVE_ORG_ADMIN]
    return []


def roles_offered_by(user) -> list[Role]:
    """The roles the user form offers ``user``: those they may grant that at least one of the
    organisations they manage may hold.

    Rule (role ceilings): a school's admin is never offered child protection, data manager or
    auditor. Which organisation the form names is checked again when it is saved
    (``User.clean``), which is what refuses a system admin's choice that does not fit.
    """
    grantable = roles_grantable_by(user)
    if is_system_admin(user):
        return grantable
    kinds = set(organisations_managed_by(user).values_list("kind", flat=True))
    allowed = frozenset().union(*(ROLE_CEILINGS.get(kind, frozenset()) for kind in kinds))
    return [role for role in grantable if role in allowed]


def user_change_allowed(user, target: User) -> bool:
    """May ``user`` change ``target``? Only within their organisations and only a target whose
    current role they could have granted (so an organisation admin cannot demote, deactivate
    or reset a fellow admin, or edit themselves)."""
    if is_system_admin(user):
        return True
    return (
        is_org_admin(user)
        and target.role in roles_grantable_by(user)
        and users_managed_by(user).filter(pk=target.pk).exists()
    )
