"""``POST /api/v1/oauth/token/``: the connecting system's client-credentials token endpoint.

django-oauth-toolkit's own view answers (RFC 6749 §5 JSON, ``Cache-Control: no-store``); this
wrapper adds the project's rules around it. Every answer is audited: a system signing in
names itself in the event, a failure records the id it claimed. An address or system past
the failure limit is refused (429) before the secret is checked, so a secret cannot be
guessed, and the slow hash behind it cannot be used to load the server.

Only this one view of the toolkit is routed: its application-registration and authorisation
pages are not, so no user can register a client outside Django admin's rules.
"""

import json
from dataclasses import replace

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from oauth2_provider.views import TokenView

from audit.models import AccessEvent
from audit.writer import Actor, access_event_record

from .auth_failures import auth_failure_record, auth_locked
from .models import ApiClient
from .oauth import PresentedClient

_CLIENT_ID_SHOWN = 64


class ClientCredentialsTokenView(TokenView):
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        presented = PresentedClient.parse(
            authorization=request.headers.get("Authorization", ""),
            body_client_id=request.POST.get("client_id", ""),
            body_secret=request.POST.get("client_secret", ""),
        )
        registered = (
            ApiClient.objects.filter(client_id=presented.client_id)
            .values_list("client_id", flat=True)
            .first()
        )
        if auth_locked(address=request.META.get("REMOTE_ADDR"), client_id=registered):
            return _too_many()
        with transaction.atomic():
            response = super().post(request, *args, **kwargs)
            if response.status_code == 200:
                access_event_record(
                    actor=replace(
                        Actor.from_request(request, AnonymousUser()), api_client=registered
                    ),
                    action=AccessEvent.Action.API_SYSTEM_SIGNED_IN,
                    outcome=AccessEvent.Outcome.OK,
                )
                return response
        auth_failure_record(
            request=request,
            reason=_failure_reason(response, presented, registered),
            client_id=registered,
        )
        return response


def _failure_reason(response: HttpResponse, presented: PresentedClient, registered) -> str:
    try:
        error = json.loads(response.content).get("error", "")
    except ValueError:
        error = ""
    who = registered or f"unknown client id {presented.client_id[:_CLIENT_ID_SHOWN]!r}"
    return f"token endpoint: {error or response.status_code} ({who})"


def _too_many() -> JsonResponse:
    window = settings.API_AUTH_FAILURE_WINDOW_SECONDS
    response = JsonResponse(
        {
            "error": "invalid_client",
            "error_description": "Too many failed attempts from here. Wait and try again.",
        },
        status=429,
    )
    response["Retry-After"] = str(window)
    response["Cache-Control"] = "no-store"
    return response
