"""Admin changes to connecting systems go into the sealed admin history like any other
(``audit.admin_history``); the secret's digest is left out, its rotation time is not."""

from auditlog.registry import auditlog

from .models import ApiClient

auditlog.register(ApiClient, exclude_fields=["secret_digest"])
