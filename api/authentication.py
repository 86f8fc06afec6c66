"""Both parties on every call: the connecting system's id and secret, and the practitioner's
token, each in its own header (docs/api.md, *Authentication*).

Rule: a system without a practitioner gets nothing, and neither does a practitioner's token
without the system it was issued to. Nothing else authenticates under ``/api/``: no session
cookie, so a page open in a browser cannot be driven into the API, and no CSRF question
arises.
"""

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from .selectors import CallerRefused, api_caller_get

CLIENT_ID_HEADER = "X-Client-Id"
CLIENT_SECRET_HEADER = "X-Client-Secret"  # noqa: S105 - a header name
_BEARER = "bearer "


class ClientAndPractitionerAuthentication(BaseAuthentication):
    def authenticate(self, request):
        client_id = request.headers.get(CLIENT_ID_HEADER, "")
        secret = request.headers.get(CLIENT_SECRET_HEADER, "")
        authorization = request.headers.get("Authorization", "")
        token = authorization[len(_BEARER) :] if authorization.lower().startswith(_BEARER) else ""
        if not (client_id or secret or authorization):
            return None  # 401 "not authenticated", with the challenge below
        if not (client_id and secret):
            raise exceptions.AuthenticationFailed(
                f"The connecting system's {CLIENT_ID_HEADER} and {CLIENT_SECRET_HEADER} are "
                "both needed."
            )
        if not token:
            raise exceptions.AuthenticationFailed(
                "A practitioner's token is needed (Authorization: Bearer): the API acts only "
                "for a signed-in practitioner."
            )
        try:
            caller = api_caller_get(client_id=client_id, secret=secret, token=token.strip())
        except CallerRefused as refused:
            raise exceptions.AuthenticationFailed(str(refused)) from None
        return caller.user, caller

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="contactpoint-api"'
