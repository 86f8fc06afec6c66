"""Password authentication, with the signed-in user's organisation loaded alongside.

Every page with child data checks the user's vetting (which reads their organisation's
accreditation), the search page names a council's authority, and Django's own backend loads
the user alone, so each request paid one or two more queries for them.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UserWithOrganisationBackend(ModelBackend):
    """Django's ``ModelBackend``, but a session's user arrives with their organisation."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("organisation__local_authority")
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
