"""How the OpenAPI schema describes the two parties: two security schemes, both required on
every operation (an AND in OpenAPI's terms), so generated clients and schemathesis send both
and know that either missing is refused. The system's is OAuth 2 client credentials, so a
vendor's OAuth library finds the token endpoint in the schema itself."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension

from .authentication import PRACTITIONER_TOKEN_HEADER

TOKEN_URL = "/api/v1/oauth/token/"  # noqa: S105 - an address


class ClientAndPractitionerScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ClientAndPractitionerAuthentication"
    name = ["connectingSystem", "practitionerToken"]

    def get_security_requirement(self, auto_schema):
        return {"connectingSystem": ["api"], "practitionerToken": []}

    def get_security_definition(self, auto_schema):
        scopes = settings.OAUTH2_PROVIDER["SCOPES"]
        return [
            {"type": "oauth2",
             "description": "The connecting system, with OAuth 2 client credentials (HTTP "
                            "Basic with its client id and secret from its registration in "
                            "admin); send the access token as Authorization: Bearer.",
             "flows": {"clientCredentials": {"tokenUrl": TOKEN_URL, "scopes": scopes}}},
            {"type": "apiKey", "in": "header", "name": PRACTITIONER_TOKEN_HEADER,
             "description": "The practitioner's token for this system, from /account/api-access/ "
                            "after signing in with a second factor."},
        ]  # fmt: skip
