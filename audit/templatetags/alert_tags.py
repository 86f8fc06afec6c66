"""The Alerts entry of the service navigation, for people who review misuse alerts.

A template tag rather than a context processor so that only the navigation of a signed-in
page pays for it, and the pages of everyone else (most users: practitioners) run no query.
"""

from django import template

from audit.alert_selectors import alert_reviewer_kind, open_alert_count

register = template.Library()


@register.simple_tag
def alert_navigation(user) -> dict[str, int | bool]:
    """Whether ``user`` has an alerts queue, and how many alerts wait for them there."""
    if alert_reviewer_kind(user) is None:
        return {"reviewer": False, "open": 0}
    return {"reviewer": True, "open": open_alert_count(user=user)}
