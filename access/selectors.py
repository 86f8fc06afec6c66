"""Reads about users that pages need (no child data: that goes through ``access.gateway``)."""

from django.db.models import QuerySet

from .models import Role, User


def organisation_admins_for_user(*, user: User) -> QuerySet[User]:
    """The active ContactPoint administrators of ``user``'s organisation: whom to ask when
    something only an administrator can change (a supervisor, vetting dates) stands in the
    way. Names and work contact details only, as on any page that names a colleague."""
    if user.organisation_id is None:
        return User.objects.none()
    return User.objects.filter(
        organisation_id=user.organisation_id, role=Role.ORG_ADMIN, is_active=True
    ).order_by("last_name", "first_name")
