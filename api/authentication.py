"""Both parties on every call: the connecting system's OAuth 2 access token
(``Authorization: Bearer``, from client credentials at ``/api/v1/oauth/token/``) and the
practitioner's token (``X-Practitioner-Token``) — docs/api.md, *Authentication*.

Rule: a system without a practitioner gets nothing, and neither does a practitioner's token
without the system it was issued to. Nothing else authenticates under ``/api/``: no session
cookie, so a page open in a browser cannot be driven into the API, and no CSRF question
arises. Every refusal is audited and counted (``api.auth_failures``); an address or system
past the failure limit is refused before its credentials are looked at.
"""

from dataclasses import replace

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from access.gateway.rate import Taken

from .auth_failures import auth_failure_record, auth_locked
from .selectors import CallerRefused, api_caller_get, api_system_get
from .throttles import call_admit

PRACTITIONER_TOKEN_HEADER = "X-Practitioner-Token"  # noqa: S105 - a header name
_BEARER = "bearer "
_TOO_MANY = "Too many failed attempts to authenticate from here. Wait and try again."


class ClientAndPractitionerAuthentication(BaseAuthentication):
    def authenticate(self, request):
        authorization = request.headers.get("Authorization", "")
        access_token = (
            authorization[len(_BEARER) :].strip()
            if authorization.lower().startswith(_BEARER)
            else ""
        )
        token = request.headers.get(PRACTITIONER_TOKEN_HEADER, "").strip()
        if not (authorization or token):
            return None  # 401 "not authenticated", with the challenge below
        try:
            caller, refused = self._caller(access_token, token), None
        except CallerRefused as error:
            caller, refused = None, error
        address = request.META.get("REMOTE_ADDR")
        # The lock-out is asked before the answer is given, right or wrong, so a locked-out
        # guesser learns nothing: with right credentials in the same round trip to Redis as
        # both rate limits (``call_admit``), with wrong ones on its own.
        if refused is None:
            admission = call_admit(
                client_pk=caller.client.pk,
                client_id=caller.client.client_id,
                user_pk=caller.user.pk,
                address=address,
            )
            if admission is Taken.BLOCKED:
                raise exceptions.Throttled(settings.API_AUTH_FAILURE_WINDOW_SECONDS, _TOO_MANY)
            caller = replace(caller, admission=admission)
            return caller.user, caller
        client_id = refused.client.client_id if refused.client else None
        if auth_locked(address=address, client_id=client_id):
            raise exceptions.Throttled(settings.API_AUTH_FAILURE_WINDOW_SECONDS, _TOO_MANY)
        auth_failure_record(
            request=request, reason=refused.reason, client_id=client_id, user=refused.user
        )
        raise exceptions.AuthenticationFailed(str(refused))

    @staticmethod
    def _caller(access_token: str, token: str):
        if not access_token:
            raise CallerRefused(
                "client",
                "The connecting system's access token is needed (Authorization: Bearer), "
                "from client credentials at /api/v1/oauth/token/.",
                reason="system token missing",
            )
        if not token:
            client = api_system_get(access_token=access_token)
            raise CallerRefused(
                "user",
                f"A practitioner's token is needed ({PRACTITIONER_TOKEN_HEADER}): the API acts "
                "only for a signed-in practitioner.",
                reason="practitioner token missing",
                client=client,
            )
        return api_caller_get(access_token=access_token, token=token)

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="contactpoint-api"'
