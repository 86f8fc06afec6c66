"""The history of admin changes (django-auditlog's LogEntry), read-only in admin.

Replaces auditlog's own registration, which follows Django's model permissions and lets the
delete cascade through. Here nobody changes or deletes history, and who reads what follows
the roles in ``access.admin_permissions``:

- auditors read all of it (child entries carry only masked fields and the public id);
- system admins read everything except the history of child records, since admins see no
  child data anywhere;
- organisation admins read the history of the users and organisations they manage.

The lookup log (``AccessEvent``) is not registered: its search criteria are child data.
"""

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from access.admin_permissions import (
    is_auditor,
    is_org_admin,
    is_system_admin,
    organisations_managed_by,
    users_managed_by,
)
from access.models import User
from directory.models import Organisation

# Models whose history describes a child; named by label so this module never touches them.
_CHILD_MODELS = [("directory", "child"), ("directory", "carer"), ("directory", "involvement")]


def history_visible_to(user, entries: QuerySet[LogEntry]) -> QuerySet[LogEntry]:
    """Narrow ``entries`` to what ``user`` may read (see the module docstring)."""
    if is_auditor(user):
        return entries
    if is_system_admin(user):
        child_types = Q()
        for app_label, model in _CHILD_MODELS:
            child_types |= Q(content_type__app_label=app_label, content_type__model=model)
        return entries.exclude(child_types)
    if is_org_admin(user):
        user_type = ContentType.objects.get_for_model(User)
        organisation_type = ContentType.objects.get_for_model(Organisation)
        return entries.filter(
            Q(content_type=user_type, object_id__in=users_managed_by(user).values("pk"))
            | Q(
                content_type=organisation_type,
                object_id__in=organisations_managed_by(user).values("pk"),
            )
        )
    return entries.none()


if admin.site.is_registered(LogEntry):
    admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class HistoryAdmin(LogEntryAdmin):
    def get_queryset(self, request: HttpRequest) -> QuerySet[LogEntry]:
        return history_visible_to(request.user, super().get_queryset(request))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: LogEntry | None = None) -> bool:
        user = request.user
        if not (is_auditor(user) or is_system_admin(user) or is_org_admin(user)):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_delete_permission(self, request: HttpRequest, obj: LogEntry | None = None) -> bool:
        """History is never deleted from admin, not even as a cascade of another delete."""
        return False
