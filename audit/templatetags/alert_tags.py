"""The Alerts entry of the service navigation, for people who review misuse alerts.

A template tag rather than a context processor so that only the navigation of a signed-in
page pays for it. The answer is kept in the session for a minute (``access.navigation``):
the entry and its count may lag by that much; the alert pages themselves decide access on
every request.
"""

from django import template

from access.navigation import nav_fact
from audit.alerts.selectors import alert_reviewer_kind, open_alert_count

register = template.Library()


@register.simple_tag(takes_context=True)
def alert_navigation(context, user) -> dict[str, int | bool]:
    """Whether ``user`` has an alerts queue, and how many alerts wait for them there."""

    def compute() -> dict[str, int | bool]:
        if alert_reviewer_kind(user) is None:
            return {"reviewer": False, "open": 0}
        return {"reviewer": True, "open": open_alert_count(user=user)}

    request = context.get("request")
    return compute() if request is None else nav_fact(request, "alerts", compute)
