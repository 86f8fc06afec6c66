"""Users whose role their organisation may not hold (role ceilings, ``access.models``).

``User.save`` refuses them, but rows can still exist: written before the ceilings, by a bulk
``UPDATE``, or left behind when an organisation's kind changed. The gateway must refuse them
on its own, so tests make such rows the way they arise: around ``save``.
"""

from django.conf import settings

from access.models import Role, User
from tests.factories import UserFactory


def user_past_ceiling(*, role: str, **fields) -> User:
    """A user holding ``role`` whether or not their organisation may hold it."""
    stand_in = Role.PRACTITIONER if fields.get("organisation", True) else Role.SYSTEM_ADMIN
    # The key their role needs (``UserFactory.security_key``); the stand-in's would not.
    needs_key = role in settings.WEBAUTHN_REQUIRED_ROLES or None
    user = UserFactory(role=stand_in, security_key=needs_key, **fields)
    User.objects.filter(pk=user.pk).update(role=role)
    user.refresh_from_db()
    return user
