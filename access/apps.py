from django.apps import AppConfig


class AccessConfig(AppConfig):
    """Users, roles, vetting, two-factor login and the scope rules."""

    name = "access"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import auditing, idle_accounts, signals  # noqa: F401
