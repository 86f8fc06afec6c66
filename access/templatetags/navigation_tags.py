"""The service navigation, rendered once per set of facts it shows.

Why (issue 16): the navigation is the same few dozen tags on every page, and evaluating them
was a twentieth of an audited page's Python. Its markup depends only on the facts below
(the links, what the user may reach, their name, two counts), so ``_markup`` keeps the
rendered markup per set of facts, in the process. This caches markup, not answers: every
fact is read afresh for each page, as before (the counts and "leads a team" as
``access.navigation`` keeps them, for a minute in the session), and a page shows exactly
what rendering the template with those facts would show.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix

from access.navigation import nav_urls
from audit.templatetags.alert_tags import alert_navigation

register = template.Library()


@register.simple_tag(takes_context=True)
def service_navigation(context) -> str:
    """The navigation for the signed-in, verified user of ``context``; nothing otherwise."""
    user = context.get("user")
    if user is None or not user.is_authenticated or not user.is_verified():
        return ""
    alerts = alert_navigation(context, user)
    return _markup(
        get_script_prefix(),
        reads_child_data=user.reads_child_data,
        leads_team=bool(context.get("nav_leads_team")),
        role=user.role,
        alerts_reviewer=bool(alerts["reviewer"]),
        alerts_open=alerts["open"],
        unread=context.get("unread_notification_count") or 0,
        is_staff=user.is_staff,
        username=user.get_username(),
    )


@lru_cache(maxsize=1024)
def _markup(script_prefix: str, **facts) -> str:
    return render_to_string("includes/service_navigation.html", {**facts, "nav_urls": nav_urls()})
