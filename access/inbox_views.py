"""The inbox pages. Thin: parse, call ``access.inbox``, render.

Opening a notification is one click (issue 17, point 9): each subject in the list is the
button of a small POST form, styled as a link. Marking read stays a POST protected by CSRF,
not a side effect of the detail page's GET: a GET must change nothing (a link prefetched, an
image tag on another site or a browser's preview would otherwise mark messages read unseen,
and a supervisor could miss a break-glass to judge). The POST then redirects to the detail."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from audit.writer import Actor
from directory.views import not_found

from .inbox import (
    INBOX_LIMIT,
    notification_mark_read,
    notification_read_audited,
    notifications_for_user,
)
from .models import Notification
from .navigation import nav_facts_forget


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    notifications = notifications_for_user(user=request.user)
    context = {"notifications": notifications, "limit": INBOX_LIMIT}
    return render(request, "access/inbox/list.html", context)


@require_GET
def notification_detail(request: HttpRequest, notification_id: int) -> HttpResponse:
    try:
        notification = notification_read_audited(
            user=request.user, notification_id=notification_id, actor=Actor.from_request(request)
        )
    except Notification.DoesNotExist:
        return not_found(request, None)
    return render(request, "access/inbox/detail.html", {"notification": notification})


@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    try:
        notification_mark_read(user=request.user, notification_id=notification_id)
    except Notification.DoesNotExist:
        return not_found(request, None)
    nav_facts_forget(request)  # the badge counts this one as read on the next page
    return redirect("inbox:detail", notification_id=notification_id)
