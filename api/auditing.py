"""Admin changes to connecting systems go into the sealed admin history like any other
(``audit.admin_history``); the previous secret's hash is left out, its rotation time and the
end of its overlap are not. The OAuth ``Application`` holding the current hash is not
registered: it changes only with its ``ApiClient``."""

from auditlog.registry import auditlog

from .models import ApiClient

auditlog.register(ApiClient, exclude_fields=["previous_secret_hash"])
