from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The append-only lookup log."""

    name = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .roles import app_role_privileges_apply

        post_migrate.connect(app_role_privileges_apply, sender=self)
