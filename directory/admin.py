"""Organisations, local authorities and practitioners in Django admin.

Child, Carer and Involvement are deliberately not registered: admins hold no practitioner
role and must see no child data, admin pages included (child data is read only through
``access.gateway``). Access follows ``access.admin_permissions``: system admins manage
everything here, organisation admins see their own organisations and keep their own
practitioners' contact details, auditors read. Nothing is deleted from admin: organisations
and practitioners are named by involvements and by the history.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from access.admin_permissions import (
    is_auditor,
    is_org_admin,
    is_system_admin,
    organisations_managed_by,
    organisations_visible_to,
    users_managed_by,
)

from .models import LocalAuthority, Organisation, Practitioner


class _NoDeleteAdmin(admin.ModelAdmin):
    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)


@admin.register(LocalAuthority)
class LocalAuthorityAdmin(_NoDeleteAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_system_admin(request.user) or is_auditor(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_system_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_system_admin(request.user)


@admin.register(Organisation)
class OrganisationAdmin(_NoDeleteAdmin):
    """Only system admins create organisations or change accreditation and cloaking: an
    organisation admin accrediting their own organisation would vet themselves."""

    list_display = ["name", "kind", "code", "local_authority", "accredited"]
    list_filter = ["kind", "accredited", "sensitive_service"]
    list_select_related = ["local_authority"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["local_authority"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        return organisations_visible_to(request.user).select_related("local_authority")

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        visible = organisations_visible_to(request.user)
        if obj is not None:
            return visible.filter(pk=obj.pk).exists()
        return visible.exists()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_system_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_system_admin(request.user)


@admin.register(Practitioner)
class PractitionerAdmin(_NoDeleteAdmin):
    list_display = ["name", "job_title", "organisation", "user"]
    list_select_related = ["organisation", "user"]
    search_fields = ["name", "email", "organisation__name"]
    autocomplete_fields = ["organisation", "user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Practitioner]:
        user = request.user
        practitioners = Practitioner.objects.select_related("organisation", "user")
        if is_system_admin(user) or is_auditor(user):
            return practitioners
        return practitioners.filter(organisation__in=organisations_managed_by(user))

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None:
            return self.get_queryset(request).filter(pk=obj.pk).exists()
        return is_auditor(request.user) or self.has_add_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return is_system_admin(user) or (
            is_org_admin(user) and organisations_managed_by(user).exists()
        )

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is None or is_system_admin(request.user):
            return self.has_add_permission(request)
        return (
            is_org_admin(request.user)
            and organisations_managed_by(request.user).filter(pk=obj.organisation_id).exists()
        )

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        """An organisation admin files practitioners under their own organisations and links
        them to their own users only."""
        if db_field.name == "organisation":
            kwargs["queryset"] = organisations_managed_by(request.user)
        elif db_field.name == "user":
            kwargs["queryset"] = users_managed_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
