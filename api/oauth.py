"""The connecting system signs in with OAuth 2 client credentials (RFC 6749 §4.4), through
django-oauth-toolkit, with this project's rules added in its validator.

Rule (accreditation): a system gets an access token only while its ``ApiClient`` may
connect (not revoked, accreditation running, organisation accredited), so an admin's
revocation or a lapsed accreditation stops new tokens at once; the calls themselves check
the same rule again (``api.selectors``), so tokens already issued stop too.

Rule (rotation with overlap): after *Make a new secret* in admin, the previous secret still
authenticates until ``ApiClient.previous_secret_until`` (``API_SECRET_OVERLAP_HOURS``), so a
council's vendor can deploy the new one without an outage; *End the previous secret now*
closes the overlap when the old one may have leaked.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import unquote_plus

from django.contrib.auth.hashers import check_password
from django.utils import timezone
from oauth2_provider.oauth2_validators import OAuth2Validator

from .models import ApiClient
from .selectors import client_usable


@dataclass(frozen=True)
class PresentedClient:
    """The client id and secret as the system sent them: HTTP Basic (RFC 6749 §2.3.1, what
    the standard prefers) or, failing that, the form body."""

    client_id: str
    secret: str

    @classmethod
    def parse(cls, *, authorization: str, body_client_id: str, body_secret: str) -> PresentedClient:
        kind, _, encoded = (authorization or "").partition(" ")
        if kind.lower() == "basic" and encoded:
            try:
                decoded = base64.b64decode(encoded.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return cls("", "")
            client_id, _, secret = decoded.partition(":")
            return cls(unquote_plus(client_id), unquote_plus(secret))
        return cls(body_client_id or "", body_secret or "")


def previous_secret_matches(api_client, secret: str, *, now) -> bool:
    """The secret before the last rotation, while the overlap runs."""
    return bool(
        api_client.previous_secret_hash
        and api_client.previous_secret_until is not None
        and api_client.previous_secret_until > now
        and secret
        and check_password(secret, api_client.previous_secret_hash)
    )


class ApiClientValidator(OAuth2Validator):
    """The toolkit's checks, then the previous secret during its overlap, then the rule that
    the system may connect today. Any ``Application`` without an ``ApiClient`` is refused:
    clients are made only through ``api.services``."""

    def authenticate_client(self, request, *args, **kwargs) -> bool:
        if super().authenticate_client(request, *args, **kwargs):
            api_client = getattr(request.client, "api_client", None)
        else:
            # The toolkit leaves ``request.client`` unset after a failed try, so the system
            # is found again by the id it presented.
            presented = PresentedClient.parse(
                authorization=request.headers.get("Authorization", ""),
                body_client_id=getattr(request, "client_id", "") or "",
                body_secret=getattr(request, "client_secret", "") or "",
            )
            api_client = (
                ApiClient.objects.select_related("application", "organisation")
                .filter(client_id=presented.client_id, application__isnull=False)
                .first()
            )
            if api_client is None or not previous_secret_matches(
                api_client, presented.secret, now=timezone.now()
            ):
                return False
            request.client = api_client.application
        return api_client is not None and client_usable(api_client, today=timezone.localdate())
