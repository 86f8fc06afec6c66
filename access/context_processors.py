"""Template context for every page."""

from django.http import HttpRequest

from .inbox import unread_count


def unread_notifications(request: HttpRequest) -> dict[str, int]:
    """The unread count for the service navigation of a fully signed-in user.

    Nothing is counted before the second factor is verified: the navigation is not shown
    then, and a half-signed-in session learns nothing about the account.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return {}
    return {"unread_notification_count": unread_count(user=user)}
