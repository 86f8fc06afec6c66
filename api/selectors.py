"""Who is calling: the connecting system, the practitioner it acts for, and whether both may."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from access.models import ADMIN_ROLES, User
from audit.writer import Actor

from . import credentials
from .models import ApiClient, ApiUserToken


class CallerRefused(Exception):
    """The credentials do not make a caller; ``party`` says whose were wrong."""

    def __init__(self, party: str, message: str):
        super().__init__(message)
        self.party = party


@dataclass(frozen=True)
class Caller:
    """Both parties of one API call."""

    client: ApiClient
    token: ApiUserToken
    user: User

    def actor(self, request) -> Actor:
        """The audit's who: the practitioner, through this connecting system."""
        actor = Actor.from_request(request, user=self.user)
        return replace(actor, api_client=self.client.client_id)


def client_usable(client: ApiClient, *, today: date) -> bool:
    """Rule (accreditation): a system connects only while not revoked, while its own
    accreditation runs, and while its organisation is accredited."""
    return (
        client.revoked_at is None
        and client.accredited_until >= today
        and client.organisation.accredited
    )


def api_clients_for_user(*, user: User) -> QuerySet[ApiClient]:
    """The systems this user may authorise: their own organisation's, usable today."""
    if user.organisation_id is None or user.role in ADMIN_ROLES:
        return ApiClient.objects.none()
    return ApiClient.objects.filter(
        organisation_id=user.organisation_id,
        organisation__accredited=True,
        revoked_at__isnull=True,
        accredited_until__gte=timezone.localdate(),
    ).select_related("organisation")


def api_caller_get(*, client_id: str, secret: str, token: str) -> Caller:
    """Both parties, or ``CallerRefused``.

    Rule (two parties): the system's secret must match and the system be usable; the token
    must be live, issued to this very system, and its user still active, of the system's
    organisation and not an admin (an account moved to another organisation or made an admin
    after the token was issued loses it at once).
    """
    client = ApiClient.objects.select_related("organisation").filter(client_id=client_id).first()
    if client is None or not credentials.digest_matches(secret, client.secret_digest):
        raise CallerRefused("client", "The connecting system's credentials are not valid.")
    if not client_usable(client, today=timezone.localdate()):
        raise CallerRefused("client", "This connecting system may not connect at present.")
    grant = (
        ApiUserToken.objects.select_related("user", "user__organisation")
        .filter(
            token_digest=credentials.digest(token),
            client=client,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
    user = grant.user if grant else None
    if (
        user is None
        or not user.is_active
        or user.role in ADMIN_ROLES
        or user.organisation_id != client.organisation_id
    ):
        raise CallerRefused(
            "user",
            "The practitioner's token is not valid for this connecting system: "
            "sign in and get a new one.",
        )
    return Caller(client=client, token=grant, user=user)
