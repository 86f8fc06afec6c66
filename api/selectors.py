"""Who is calling: the connecting system, the practitioner it acts for, and whether both may."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date
from functools import cache

from django.db.models import QuerySet
from django.utils import timezone
from oauth2_provider.models import AccessToken

from access.gateway.rate import Taken
from access.models import ADMIN_ROLES, User
from access.session_user import USER_JOINS, user_columns, user_from_row, user_width
from audit.writer import Actor
from contactpoint import prepared_sql
from contactpoint.fixed_sql import columns, instance, width

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
    # The lock-out and the rate limits' outcome for this call (``api.throttles.call_admit``),
    # set by authentication; None until then, which the throttle refuses.
    admission: Taken | None = None

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
    """Both parties in one statement: the practitioner's token joined to its system, to the
    system's live access token and to the practitioner with their organisation. ``None``
    when any rule fails; the caller then finds out which, one party at a time.

    Why one fixed, prepared statement (issue 19): every call pays for this check. Through the
    ORM, building and compiling the six-table query, then fetching the practitioner's
    organisation with a second one, was most of what made an API search cost more CPU than
    the page's (docs/performance.md); PostgreSQL spent 0.8 ms planning the join and 0.1 ms
    running it. It is written once per process from the models' fields
    (``contactpoint.fixed_sql``) and planned once per session (``contactpoint.prepared_sql``),
    as the pages' signed-in user is (``access.session_user``). The rules are checked here in
    Python, by the same functions as the slow path's (``client_usable``, ``_grant_problem``).
    """
    rows = prepared_sql.fetchall(
        _caller_statement(), [_checksum(access_token), credentials.digest(token)], using="default"
    )
    if not rows:
        return None
    (row,) = rows
    user = user_from_row(row, using="default")
    at = user_width()
    grant = instance(ApiUserToken, row[at : at + width(ApiUserToken)], "default")
    at += width(ApiUserToken)
    client = instance(ApiClient, row[at : at + width(ApiClient)], "default")
    access_expires, access_scope = row[at + width(ApiClient) :]
    if user.organisation_id != client.organisation_id:
        return None  # a practitioner of another organisation: the slow path says so
    ApiClient._meta.get_field("organisation").set_cached_value(client, user.organisation)
    ApiUserToken._meta.get_field("client").set_cached_value(grant, client)
    ApiUserToken._meta.get_field("user").set_cached_value(grant, user)
    if (
        access_expires <= timezone.now()
        or _SCOPE not in access_scope.split()
        or not client_usable(client, today=timezone.localdate())
        or _grant_problem(grant, client=client)
    ):
        return None
    return Caller(client=client, token=grant, user=user)


@cache
def _caller_statement() -> str:
    """The row ``_caller_at_once`` reads: the practitioner (``access.session_user``'s
    columns and joins), their token, its system, and the access token's expiry and scope."""
    selected = ", ".join(
        (user_columns(), columns(ApiUserToken, "t"), columns(ApiClient, "c"), "a.expires, a.scope")
    )
    return (
        f"SELECT {selected} FROM {ApiUserToken._meta.db_table} t "  # noqa: S608 - model names only
        f"JOIN {ApiClient._meta.db_table} c ON c.id = t.client_id "
        f"JOIN {AccessToken._meta.db_table} a "
        "ON a.application_id = c.application_id AND a.token_checksum = %s "
        f"JOIN {User._meta.db_table} u ON u.id = t.user_id {USER_JOINS} "
        "WHERE t.token_digest = %s"
    )


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
