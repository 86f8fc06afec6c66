"""Who is calling: the connecting system, the practitioner it acts for, and whether both may."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date

from django.db.models import F, QuerySet
from django.utils import timezone
from oauth2_provider.models import AccessToken

from access.models import ADMIN_ROLES, User
from audit.writer import Actor

from . import credentials
from .models import ApiClient, ApiUserToken


class CallerRefused(Exception):
    """The credentials do not make a caller. ``party`` says whose were wrong (``client`` or
    ``user``), the message is what the caller is told, ``reason`` what the audit records, and
    ``client``/``user`` whoever could be identified, for the audit and the failure limits."""

    def __init__(
        self,
        party: str,
        message: str,
        *,
        reason: str,
        client: ApiClient | None = None,
        user: User | None = None,
    ):
        super().__init__(message)
        self.party = party
        self.reason = reason
        self.client = client
        self.user = user


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


_SCOPE = "api"
_SYSTEM_REFUSED = "The connecting system's access token is not valid: get a new one."
_USER_REFUSED = (
    "The practitioner's token is not valid for this connecting system: sign in and get a new one."
)


def api_system_get(*, access_token: str) -> ApiClient:
    """The connecting system whose OAuth access token this is, or ``CallerRefused``.

    Rule (accreditation): the token must be live and the system usable today, so revoking it
    or a lapsed accreditation stops calls at once, not when the token expires. Tokens are
    looked up by their SHA-256 checksum, the only form the toolkit keeps.
    """
    found = (
        AccessToken.objects.select_related("application__api_client__organisation")
        .filter(token_checksum=_checksum(access_token))
        .first()
    )
    client = getattr(found.application, "api_client", None) if found and found.application else None
    if client is None:
        raise CallerRefused("client", _SYSTEM_REFUSED, reason="system token unknown")
    if not found.is_valid([_SCOPE]):
        raise CallerRefused("client", _SYSTEM_REFUSED, reason="system token expired", client=client)
    if not client_usable(client, today=timezone.localdate()):
        raise CallerRefused(
            "client",
            "This connecting system may not connect at present.",
            reason="system revoked or not accredited",
            client=client,
        )
    return client


def api_caller_get(*, access_token: str, token: str) -> Caller:
    """Both parties, or ``CallerRefused``.

    Rule (two parties): the system's access token must be live and the system usable; the
    practitioner's token must be live, issued to this very system (a token obtained for
    system A is refused with system B's credentials), and its user still active, of the
    system's organisation and not an admin (an account moved to another organisation or made
    an admin after the token was issued loses it at once).
    """
    caller = _caller_at_once(access_token=access_token, token=token)
    if caller is not None:
        return caller
    # Something is wrong: the same rules one party at a time, to say which (for the audit).
    client = api_system_get(access_token=access_token)
    grant = (
        ApiUserToken.objects.select_related("user", "user__organisation")
        .filter(token_digest=credentials.digest(token))
        .first()
    )
    if grant is None:
        raise CallerRefused(
            "user", _USER_REFUSED, reason="practitioner token unknown", client=client
        )
    user = grant.user
    problem = _grant_problem(grant, client=client)
    if problem:
        raise CallerRefused("user", _USER_REFUSED, reason=problem, client=client, user=user)
    return Caller(client=client, token=grant, user=user)


def _caller_at_once(*, access_token: str, token: str) -> Caller | None:
    """Both parties in one query: the practitioner's token joined to its system and to the
    system's access token. Every call pays for this one round trip only; ``None`` when any
    rule fails, and the caller then finds out which, one party at a time."""
    grant = (
        ApiUserToken.objects.select_related("user", "client__organisation")
        .filter(
            token_digest=credentials.digest(token),
            client__application__accesstoken__token_checksum=_checksum(access_token),
        )
        .annotate(
            access_expires=F("client__application__accesstoken__expires"),
            access_scope=F("client__application__accesstoken__scope"),
        )
        .first()
    )
    if grant is None:
        return None
    client = grant.client
    if (
        grant.access_expires <= timezone.now()
        or _SCOPE not in grant.access_scope.split()
        or not client_usable(client, today=timezone.localdate())
        or _grant_problem(grant, client=client)
    ):
        return None
    return Caller(client=client, token=grant, user=grant.user)


def _checksum(access_token: str) -> str:
    """How the toolkit keeps an access token (RFC 9700 storage)."""
    return hashlib.sha256(access_token.encode()).hexdigest()


def _grant_problem(grant: ApiUserToken, *, client: ApiClient) -> str:
    """Why this practitioner's token does not let this system act, for the audit; empty when
    it does."""
    user = grant.user
    if grant.client_id != client.pk:
        return "practitioner token issued to another system"
    if grant.revoked_at is not None:
        return "practitioner token stopped"
    if grant.expires_at <= timezone.now():
        return "practitioner token expired"
    if not user.is_active or user.role in ADMIN_ROLES:
        return "practitioner inactive or an admin"
    if user.organisation_id != client.organisation_id:
        return "practitioner of another organisation"
    return ""
