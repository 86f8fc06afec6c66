"""Template context for every page."""

from django.http import HttpRequest

from .inbox import unread_count
from .navigation import layout_links, nav_fact


def unread_notifications(request: HttpRequest) -> dict[str, int]:
    """The unread count for the service navigation of a fully signed-in user (kept in the
    session for a minute: ``access.navigation``).

    Nothing is counted before the second factor is verified: the navigation is not shown
    then, and a half-signed-in session learns nothing about the account.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return {}
    count = nav_fact(request, "unread", lambda: unread_count(user=user))
    return {"unread_notification_count": count}


def navigation(request: HttpRequest) -> dict:
    """The layout's links and static files (found once per process) and, for a fully
    signed-in user, whether they lead a team (kept in the session for a minute:
    ``access.navigation``)."""
    context = layout_links()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_verified():
        context["nav_leads_team"] = nav_fact(request, "leads_team", lambda: user.leads_team)
    return context
