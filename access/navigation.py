"""What the service navigation shows on every page, at a price fit for every page.

Why (issue 16): the navigation asked the database two or three questions on every page (the
unread count, whether the user leads a team, the open alerts of a reviewer) and reversed
twenty URLs. The URLs are fixed for the life of a process, so they are reversed once; the
answers are kept in the user's session for ``NAV_FACTS_SECONDS`` (60 by default).

What that cache allows, and why it is acceptable: a badge or a menu entry up to a minute
out of date — a new notification or alert counted a minute late, the Supervision, Team and
Recertify entries appearing or going up to a minute after someone is made, or stops being,
a supervisor. Nothing else reads these cached answers: every page behind those entries
decides access afresh (``alert_reviewer_kind`` and the supervision views ask the database
on each request), so a stale entry can show a link that then refuses, never open a page.
Scope, vetting, account state and the second factor are never cached. Reading a
notification forgets the cached answers, so the reader's own badge is right at once.
The session is already read and written on every request, so keeping them costs no round
trip; a session writer (Redis reached without its password) could fake only a badge.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse

NAV_FACTS_KEY = "cp_nav_facts"
# Every URL the layout links to, by the name the template uses.
_NAV_URL_NAMES = {
    "search": "directory:search",
    "my_requests": "break_glass:my_requests",
    "supervision": "break_glass:supervision",
    "team_lookups": "audit:team_lookups",
    "recertify": "recertification:queue",
    "escalations": "break_glass:escalations",
    "alert_queue": "audit:alert_queue",
    "shielding": "shielding:queue",
    "contact_requests": "contact_requests:queue",
    "child_viewers": "audit:child_viewers_start",
    "feeds": "feeds:uploads",
    "corrections": "corrections:queue",
    "inbox": "inbox:inbox",
    "my_lookups": "audit:my_lookups",
    "admin": "admin:index",
    "sign_in_methods": "account:sign_in_methods",
    "logout": "access:logout",
    "help": "info:help",
    "accessibility": "info:accessibility",
    "privacy": "info:privacy",
}
_urls: dict[str, dict[str, str]] = {}


def nav_urls() -> dict[str, str]:
    """The layout's links, reversed once per process (and script prefix)."""
    prefix = get_script_prefix()
    urls = _urls.get(prefix)
    if urls is None:
        urls = _urls[prefix] = {key: reverse(name) for key, name in _NAV_URL_NAMES.items()}
    return urls


# The layout's stylesheet and scripts, by the name the template uses.
_LAYOUT_ASSETS = {
    "stylesheet": "css/contactpoint.css",
    "init_script": "js/init.js",
    "start_script": "js/start.mjs",
}


@cache
def layout_assets() -> dict[str, str]:
    """The layout's static files' URLs, found once per process: ``{% static %}`` on every
    page was a twentieth of a page's Python (issue 16), and the answer cannot change while
    the process runs (the storage and its manifest are fixed at start)."""
    return {key: static(path) for key, path in _LAYOUT_ASSETS.items()}


def layout_links() -> dict[str, dict[str, str]]:
    """What the layout links to whoever is signed in: its pages and its static files.
    Needs neither PostgreSQL nor Redis, so the service's own 503 page has it too."""
    return {"nav_urls": nav_urls(), "layout_assets": layout_assets()}


def nav_fact(request, name: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, kept in the session for ``NAV_FACTS_SECONDS`` (see the module
    docstring for what may read it). Without a session, computed every time."""
    session = getattr(request, "session", None)
    if session is None:
        return compute()
    user_id = request.user.pk
    facts = session.get(NAV_FACTS_KEY)
    if not isinstance(facts, dict) or facts.get("user") != user_id:
        facts = {"user": user_id}
    now = time.time()
    kept = facts.get(name)
    if kept is not None and 0 <= now - kept[0] < settings.NAV_FACTS_SECONDS:
        return kept[1]
    value = compute()
    facts[name] = (now, value)
    session[NAV_FACTS_KEY] = facts
    return value


def nav_facts_forget(request) -> None:
    """After something the user did changes what the navigation says (reading a message)."""
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(NAV_FACTS_KEY, None)
