"""Rate limits per connecting system and per practitioner, on top of the gateway's.

Rule (no bulk export): a system serving a whole council makes many calls, a practitioner a
few; either making far more is a harvest. Every API call counts once against its system
(``API_CLIENT_RATE_LIMIT``) and once against its practitioner (``API_USER_RATE_LIMIT``), in
the same sliding window as the lookup limit (``access.gateway.rate``), both or neither: a call
refused for one limit spends nothing of the other. Searches and record views also count
against the practitioner's lookup limit inside the gateway, shared with the pages, so moving
from the page to the API buys no extra lookups.

Why the counting happens during authentication (issue 19): the failed-authentication
lock-out must be asked for every call, right credentials included, before it is answered
(``api.auth_failures``); asking it and taking both limits in one round trip to Redis
(``call_admit``) saves two of three. Authentication keeps the outcome on the caller, and the
throttle below refuses from it, so DRF's order (authenticate, permit, throttle) and its 429
are as before.
"""

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from access.gateway.rate import Allowance, Taken, allowances_take

from .auth_failures import auth_lock_keys


def call_admit(*, client_pk: int, client_id: str, user_pk: int, address: str | None) -> Taken:
    """For a call whose credentials are right: ``BLOCKED`` while its address or system is
    locked out (nothing counted), ``REFUSED`` past either rate limit (nothing counted), else
    ``TAKEN`` (counted against both)."""
    window = settings.API_RATE_WINDOW_SECONDS
    return allowances_take(
        [
            Allowance(f"api-client:{client_pk}", settings.API_CLIENT_RATE_LIMIT, window),
            Allowance(f"api-user:{user_pk}", settings.API_USER_RATE_LIMIT, window),
        ],
        unless_set=auth_lock_keys(address=address, client_id=client_id),
    )


class ClientAndUserThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        caller = request.auth
        if caller is None:
            return True  # refused by authentication anyway; nothing to count
        # Taken in authentication (``call_admit``); a caller made any other way has no
        # outcome and is refused.
        return caller.admission is Taken.TAKEN

    def wait(self) -> float:
        return float(settings.API_RATE_WINDOW_SECONDS)
