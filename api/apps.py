from django.apps import AppConfig


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from . import (
            auditing,  # noqa: F401 - registers the admin change history
            schema,  # noqa: F401 - registers the OpenAPI description of authentication
        )
