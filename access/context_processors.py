"""Template context for every page."""

from django.http import HttpRequest

from .inbox import unread_count


def unread_notifications(request: HttpRequest) -> dict[str, int | bool]:
    """The counts the service navigation shows a fully signed-in user: unread notifications
    and, for people who review misuse alerts, the alerts waiting for them.

    Nothing is counted before the second factor is verified: the navigation is not shown
    then, and a half-signed-in session learns nothing about the account.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return {}
    from audit.alert_selectors import alert_reviewer_kind, open_alert_count

    context: dict[str, int | bool] = {"unread_notification_count": unread_count(user=user)}
    if alert_reviewer_kind(user) is not None:
        context["alert_reviewer"] = True
        context["open_alert_count"] = open_alert_count(user=user)
    return context
