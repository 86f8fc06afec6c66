"""Who may call the API: a registered connecting system and the practitioner it acts for.

Rule (two parties): a case-management system is registered for one organisation
(``ApiClient``), and every call it makes is for one practitioner of that organisation who
obtained a short-lived token for it with a fresh second factor (``ApiUserToken``). A system
alone gets nothing; a practitioner's token works only with the system it was issued for.

The system signs in with OAuth 2 client credentials (django-oauth-toolkit): its secret lives,
hashed, in the toolkit's ``Application`` that belongs to the ``ApiClient``; after a rotation
the previous hash stays valid until ``previous_secret_until`` (``api.oauth``). Practitioners'
tokens are random 256-bit values shown once and stored only as SHA-256 digests
(``api.credentials``); the toolkit's access tokens only as checksums. A dump of these tables
lets nobody call the API.
"""

from django.conf import settings
from django.db import models


class ApiClient(models.Model):
    """A connecting system (a council's social-care system, a school's MIS, a GP system),
    registered by a system admin for one organisation, with the accreditation that lets it
    connect."""

    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="api_clients"
    )
    name = models.CharField(max_length=200, help_text="The system, e.g. 'Leeds social care'.")
    client_id = models.CharField(max_length=64, unique=True, editable=False)
    # The OAuth 2 client (same client_id), holding the current secret's hash.
    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="api_client",
        editable=False,
    )
    # The secret before the last rotation, hashed, and until when it still works.
    previous_secret_hash = models.CharField(max_length=255, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    accreditation_reference = models.CharField(
        max_length=100,
        help_text="The reference of the system's accreditation to connect (e.g. its assurance "
        "certificate).",
    )
    accredited_until = models.DateField(
        help_text="The system may connect until the end of this day; after it, every call is "
        "refused until the accreditation is renewed here."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    secret_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "connecting system"
        ordering = ["organisation__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"


class ApiUserToken(models.Model):
    """A practitioner's permission for one connecting system to act for them, for
    ``API_USER_TOKEN_MINUTES`` after they obtained it with a fresh second factor."""

    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="user_tokens")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.pk} of user {self.user_id} for {self.client_id}"
