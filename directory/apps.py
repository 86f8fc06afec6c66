from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    """Children, carers, organisations, practitioners and involvements."""

    name = "directory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import (
            auditing,  # noqa: F401  (registers models with django-auditlog)
            checks,  # noqa: F401  (the field key-encryption key is usable)
        )
