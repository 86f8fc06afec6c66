"""Where a sign-in or step-up goes next: shared by the form steps (``access.sign_in.views``) and the
security-key ceremonies (``access.sign_in.webauthn_views``), which answer with a URL instead of a
redirect."""

from urllib.parse import urlsplit

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from ..cross_site import is_lookup_path
from ..landing import landing_for

NEXT_SESSION_KEY = "cp_next"


def safe_next(request: HttpRequest) -> str | None:
    """Where to go after signing in or stepping up: a page of this site, but never a search
    or record. ``next`` comes from a URL anyone can write, and a lookup reached through it
    after sign-in would come from our own redirect, past the cross-site check
    (``access.cross_site``); nothing of ours puts a lookup in ``next``."""
    target = request.GET.get("next") or request.POST.get("next")
    if (
        target
        and url_has_allowed_host_and_scheme(target, {request.get_host()})
        and not is_lookup_path(urlsplit(target).path)
    ):
        return target
    return None


def after_sign_in_url(request: HttpRequest) -> str:
    """A safe ``next`` kept from the password step wins; otherwise the page the user's role
    works from (``access.landing``), not a search page they may have no use for."""
    return request.session.pop(NEXT_SESSION_KEY, None) or landing_for(request.user).url
