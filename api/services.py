"""Registering connecting systems and letting practitioners authorise them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from access.models import ADMIN_ROLES, User
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record

from . import credentials
from .models import ApiClient, ApiUserToken
from .selectors import client_usable


class TokenRefused(Exception):
    """This user may not let this system act for them; the message says why."""


def api_client_credentials_new(*, client: ApiClient) -> str:
    """Give ``client`` (new or existing) a new secret, returned once; only its hash is kept,
    in the client's OAuth ``Application``.

    Rule (rotation with overlap): the previous secret keeps working for
    ``API_SECRET_OVERLAP_HOURS``, so the system's vendor can deploy the new one without an
    outage. Practitioners' tokens stay valid: they are bound to the system, not to its
    secret. The caller saves the client (admin: inside its own change, so that the history
    records it).
    """
    secret = credentials.secret_new(credentials.SECRET_PREFIX)
    if client.application_id is None:
        client.client_id = client.client_id or credentials.client_id_new()
        client.application = Application.objects.create(
            client_id=client.client_id,
            client_secret=secret,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            name=client.name[:255],
            hash_client_secret=True,
        )
        return secret
    application = client.application
    now = timezone.now()
    client.previous_secret_hash = application.client_secret
    client.previous_secret_until = now + timedelta(hours=settings.API_SECRET_OVERLAP_HOURS)
    client.secret_rotated_at = now
    application.client_secret = secret
    application.save(update_fields=["client_secret", "updated"])
    return secret


def api_client_previous_secret_end(*, client: ApiClient) -> None:
    """Close the rotation overlap now: the previous secret may have leaked."""
    client.previous_secret_hash = ""
    client.previous_secret_until = None
    client.save(update_fields=["previous_secret_hash", "previous_secret_until"])


@transaction.atomic
def api_client_revoke(*, client: ApiClient) -> None:
    """Rule (revocable): from now on the system's every call is refused, its access tokens
    are deleted, and every token a practitioner gave it is void, so restoring the system
    later needs new tokens too."""
    now = timezone.now()
    client.revoked_at = now
    client.previous_secret_hash = ""
    client.previous_secret_until = None
    client.save(update_fields=["revoked_at", "previous_secret_hash", "previous_secret_until"])
    if client.application_id is not None:
        AccessToken.objects.filter(application_id=client.application_id).delete()
    ApiUserToken.objects.filter(client=client, revoked_at__isnull=True).update(revoked_at=now)


def api_token_issue(*, user: User, client: ApiClient, actor: Actor) -> str:
    """A token with which ``client`` acts for ``user`` for ``API_USER_TOKEN_MINUTES``.

    Rule (two parties): only a user of the system's own organisation, never an admin role
    (admins never read children), and only for a system that may connect today. The caller
    has checked that the user's second factor is fresh (the page is behind step-up). The
    issue is audited with both parties.
    """
    if user.role in ADMIN_ROLES:
        raise TokenRefused("Admin accounts cannot let a connecting system act for them.")
    if user.organisation_id is None or user.organisation_id != client.organisation_id:
        raise TokenRefused("This connecting system belongs to another organisation.")
    if not client_usable(client, today=timezone.localdate()):
        raise TokenRefused("This connecting system may not connect at present.")
    token = credentials.secret_new(credentials.TOKEN_PREFIX)
    expires_at = timezone.now() + timedelta(minutes=settings.API_USER_TOKEN_MINUTES)
    with transaction.atomic():
        ApiUserToken.objects.create(
            client=client,
            user=user,
            token_digest=credentials.digest(token),
            expires_at=expires_at,
        )
        access_event_record(
            actor=_with_client(actor, client),
            action=AccessEvent.Action.API_TOKEN_ISSUED,
            outcome=AccessEvent.Outcome.OK,
            reason=f"until {timezone.localtime(expires_at):%Y-%m-%d %H:%M}",
        )
    return token


def api_tokens_revoke(*, user: User) -> int:
    """The user withdraws every token they gave any system (the page's *Stop all*)."""
    return ApiUserToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).update(revoked_at=timezone.now())


def _with_client(actor: Actor, client: ApiClient) -> Actor:
    return replace(actor, api_client=client.client_id)
