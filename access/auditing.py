"""Register access models with django-auditlog, so every admin change has a history."""

from auditlog.registry import auditlog

from .models import User

auditlog.register(
    User,
    exclude_fields=["password", "last_login"],
)
