"""How django-otp-webauthn runs a ceremony here: the relying party from our settings, read on
every request, and a plain default name for a new key.

The RP ID and origins are read per request rather than copied once into the library's own
settings, so a test's live server (on a port chosen at random) can name its origin.
"""

from django.conf import settings
from django_otp_webauthn.helpers import WebAuthnHelper

DEFAULT_KEY_NAME = "Security key"


class ContactPointWebAuthnHelper(WebAuthnHelper):
    def get_relying_party_domain(self) -> str:
        return settings.WEBAUTHN_RP_ID

    def get_allowed_origins(self) -> list[str]:
        return list(settings.WEBAUTHN_ALLOWED_ORIGINS)

    def create_credential(self, user, response, parsed_credential, original_data):
        credential = super().create_credential(user, response, parsed_credential, original_data)
        credential.name = DEFAULT_KEY_NAME
        return credential
