"""Failed authentication at the API: recorded, counted, and past a limit refused outright.

Rule (audit): every refusal is on record. A wrong or unknown system secret at the token
endpoint, an unknown or expired system access token, and a practitioner's token that is
unknown, expired, stopped or bound to another system are each one event, written by the
audit's one writer in a transaction of its own (``access_event_record_now``), so it stays
even though the request is refused. The event names the practitioner and the system where
they could be identified; no child data is involved.

Rule (no guessing): failures are counted per client address and per registered system in a
sliding window (``access.gateway.rate``). Past ``API_AUTH_FAILURE_LIMIT_PER_ADDRESS`` from one
address, or ``API_AUTH_FAILURE_LIMIT_PER_CLIENT`` naming one system, that address or system is
refused with 429 for ``API_AUTH_FAILURE_WINDOW_SECONDS`` before any credential is looked at,
right ones included, so a stolen client id cannot be paired with guesses. The per-system
limit is higher, because someone else's failures can spend it: the events show whose.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache

from access.gateway.rate import allowance_take
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record_now

_REASON_MAX = 200


def _lock_key(kind: str, value: str) -> str:
    return f"api-auth-locked:{kind}:{value}"


def auth_lock_keys(*, address: str | None, client_id: str | None = None) -> list[str]:
    """The cache keys that, while set, lock out this address or this registered system. A
    call whose credentials are right asks for them in the same round trip as its rate
    limits (``api.throttles.call_admit``)."""
    keys = [_lock_key("address", address or "-")]
    if client_id:
        keys.append(_lock_key("client", client_id))
    return keys


def auth_locked(*, address: str | None, client_id: str | None = None) -> bool:
    """True while this address, or this registered system, is locked out."""
    return bool(cache.get_many(auth_lock_keys(address=address, client_id=client_id)))


def auth_failure_record(
    *,
    request: Any,
    reason: str,
    client_id: str | None = None,
    user: Any = None,
) -> None:
    """One failed attempt: its event, then its count against the address and the system.

    ``client_id`` only of a registered system (an unknown id goes into ``reason``, so that
    nobody can fill the limits' keyspace or the ``api_client`` column with invented ids).
    """
    # Never the request's own user: under DRF that is this very authentication, and a
    # browser session riding along must not be blamed for what the API was sent.
    who = user if user is not None else AnonymousUser()
    actor = replace(Actor.from_request(request, who), api_client=client_id)
    access_event_record_now(
        actor=actor,
        action=AccessEvent.Action.API_AUTH_FAILED,
        outcome=AccessEvent.Outcome.FAILED,
        reason=reason[:_REASON_MAX],
    )
    window = settings.API_AUTH_FAILURE_WINDOW_SECONDS
    _count(
        ("address", actor.ip_address or "-"), settings.API_AUTH_FAILURE_LIMIT_PER_ADDRESS, window
    )
    if client_id:
        _count(("client", client_id), settings.API_AUTH_FAILURE_LIMIT_PER_CLIENT, window)


def _count(key: tuple[str, str], limit: int, window: int) -> None:
    kind, value = key
    if not allowance_take(
        name=f"api-auth-failures:{kind}:{value}", limit=limit, window_seconds=window
    ):
        cache.set(_lock_key(kind, value), 1, timeout=window)
