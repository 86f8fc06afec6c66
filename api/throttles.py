"""Rate limits per connecting system and per practitioner, on top of the gateway's.

Rule (no bulk export): a system serving a whole council makes many calls, a practitioner a
few; either making far more is a harvest. Every API call counts once against its system
(``API_CLIENT_RATE_LIMIT``) and once against its practitioner (``API_USER_RATE_LIMIT``), in
the same sliding window as the lookup limit (``access.gateway.rate``). Searches and record
views also count against the practitioner's lookup limit inside the gateway, shared with the
pages, so moving from the page to the API buys no extra lookups.
"""

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from access.gateway.rate import allowance_take


class ClientAndUserThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        caller = request.auth
        if caller is None:
            return True  # refused by authentication anyway; nothing to count
        window = settings.API_RATE_WINDOW_SECONDS
        return allowance_take(
            name=f"api-client:{caller.client.pk}",
            limit=settings.API_CLIENT_RATE_LIMIT,
            window_seconds=window,
        ) and allowance_take(
            name=f"api-user:{caller.user.pk}",
            limit=settings.API_USER_RATE_LIMIT,
            window_seconds=window,
        )

    def wait(self) -> float:
        return float(settings.API_RATE_WINDOW_SECONDS)
