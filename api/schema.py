"""How the OpenAPI schema describes the two parties: three security schemes, all required on
every operation (an AND in OpenAPI's terms), so generated clients and schemathesis send all
three and know that any one missing is refused."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from .authentication import CLIENT_ID_HEADER, CLIENT_SECRET_HEADER


class ClientAndPractitionerScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ClientAndPractitionerAuthentication"
    name = ["connectingSystemId", "connectingSystemSecret", "practitionerToken"]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "apiKey", "in": "header", "name": CLIENT_ID_HEADER,
             "description": "The connecting system's client id, from its registration."},
            {"type": "apiKey", "in": "header", "name": CLIENT_SECRET_HEADER,
             "description": "The connecting system's secret, shown once at registration."},
            {"type": "http", "scheme": "bearer",
             "description": "The practitioner's token for this system, from /account/api-access/ "
                            "after signing in with a second factor."},
        ]  # fmt: skip
