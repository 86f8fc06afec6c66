from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The append-only lookup log, its sealing and verification."""

    name = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from auditlog.models import LogEntry
        from django.db.models.signals import post_migrate, post_save

        from . import checks  # noqa: F401 - registers the signing-key check
        from .admin_history import admin_history_seal
        from .partitions import audit_partitions_ensure_after_migrate
        from .roles import app_role_privileges_apply
        from .sealing.seal_lock import seal_lock_register

        post_migrate.connect(audit_partitions_ensure_after_migrate, sender=self)
        post_migrate.connect(app_role_privileges_apply, sender=self)
        post_migrate.connect(seal_lock_register, sender=self)
        post_save.connect(admin_history_seal, sender=LogEntry, dispatch_uid="admin_history")
