"""The Content-Security-Policy header, with the site policy's text made once per process.

Why (issue 16): django-csp's middleware builds the policy from the settings on every
response, and then the report-only policy too (which this site does not set): about 70 µs,
2 % of a record page's Python. The site's policy depends only on the settings and on
whether the page asked for a nonce, so its text is built once by django-csp's own
``build_policy`` (with a marker where the nonce goes) and each response gets it with the
nonce of its own request: the nonce is still fresh per response, and a page that asked for
none still carries none (the shared 404 stays byte-identical). A response that carries a
policy of its own (django-csp's decorators), a header already set, a report-only policy or
excluded URL prefixes in the settings take django-csp's own path, unchanged.
"""

from __future__ import annotations

from functools import cache

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# Set on a response by django-csp's decorators (csp_update, csp_replace, csp, csp_exempt).
_OWN_POLICY = tuple(
    f"_csp_{kind}{suffix}"
    for kind in ("config", "update", "replace", "exempt")
    for suffix in ("", "_ro")
)
_MARKER = "cp-nonce-marker"


class CSPMiddleware(DjangoCSPMiddleware):
    """django-csp's middleware, the site policy's text made once (see the module docstring)."""

    def process_response(self, request, response):
        if (
            not _site_policy_only()
            or HEADER in response
            or any(hasattr(response, name) for name in _OWN_POLICY)
        ):
            return super().process_response(request, response)
        nonce = getattr(request, "_csp_nonce", None)
        policy = _policy(with_nonce=bool(nonce))
        if policy:
            response[HEADER] = policy.replace(_MARKER, nonce) if nonce else policy
        if nonce is None:
            # As django-csp: a nonce asked for after the header is written is an error.
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


@cache
def _policy(*, with_nonce: bool) -> str:
    return build_policy(nonce=_MARKER if with_nonce else None)


@cache
def _site_policy_only() -> bool:
    """No report-only policy, no excluded prefixes and not ``DEBUG`` (whose 404 and 500
    pages django-csp leaves without a header): what the fast path leaves out."""
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    return (
        not getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        and not policy.get("EXCLUDE_URL_PREFIXES")
        and not settings.DEBUG
    )


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs) -> None:
    if setting in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY", "DEBUG"):
        _policy.cache_clear()
        _site_policy_only.cache_clear()
