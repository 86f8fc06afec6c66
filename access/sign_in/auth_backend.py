"""Password authentication, with the signed-in user's organisation loaded alongside.

Every page with child data checks the user's vetting (which reads their organisation's
accreditation), the search page names a council's authority, and Django's own backend loads
the user alone, so each request paid one or two more queries for them. The load is one
fixed statement (``access.session_user``).
"""

from django.contrib.auth.backends import ModelBackend

from ..session_user import user_load


class UserWithOrganisationBackend(ModelBackend):
    """Django's ``ModelBackend``, but a session's user arrives with their organisation."""

    def get_user(self, user_id):
        user = user_load(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
