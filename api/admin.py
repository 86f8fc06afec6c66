"""Connecting systems in Django admin: registered, rotated and revoked by a system admin.

Rule (separation of duties): registering a system gives nobody access to a child — each call
still needs a practitioner of that organisation with a fresh second factor — and nothing on
these pages shows a child. Auditors read; only system admins change; nobody deletes (a
revoked system stays, so the log's client ids keep a name). The secret is shown once, on the
page right after it is made, and kept only as a hash.

django-oauth-toolkit's own admin pages are taken away: an ``Application`` made there would
be a client no rule here governs (no organisation, no accreditation). Its clients are made,
rotated and revoked only through ``ApiClient``.
"""

from django.contrib import admin, messages
from django.http import HttpRequest
from django.template.response import TemplateResponse
from oauth2_provider import models as oauth_models

from access.admin_permissions import is_auditor, is_system_admin
from directory.models import Organisation

from .models import ApiClient
from .services import (
    api_client_credentials_new,
    api_client_previous_secret_end,
    api_client_revoke,
)

_NEW_SECRET = "_api_client_new_secret"  # noqa: S105 - an attribute name


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    fields = [
        "organisation",
        "name",
        "accreditation_reference",
        "accredited_until",
        "client_id",
        "created_at",
        "created_by",
        "secret_rotated_at",
        "previous_secret_until",
        "revoked_at",
    ]
    readonly_fields = [
        "client_id",
        "created_at",
        "created_by",
        "secret_rotated_at",
        "previous_secret_until",
        "revoked_at",
    ]
    list_display = ["name", "organisation", "client_id", "accredited_until", "revoked_at"]
    list_select_related = ["organisation"]
    search_fields = ["name", "client_id", "organisation__name"]
    autocomplete_fields = ["organisation"]
    actions = ["rotate_secret", "end_previous_secret", "revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        """A system stays with the organisation it was registered for: moving it would hand
        its accreditation to another organisation."""
        if obj is not None:
            return [*self.readonly_fields, "organisation"]
        return self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        """Rule (accreditation): a system is registered only for an accredited organisation."""
        if db_field.name == "organisation":
            kwargs["queryset"] = Organisation.objects.filter(accredited=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_system_admin(request.user) or is_auditor(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_system_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_system_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ApiClient, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
            setattr(request, _NEW_SECRET, api_client_credentials_new(client=obj))
        super().save_model(request, obj, form, change)

    def response_add(self, request: HttpRequest, obj: ApiClient, post_url_continue=None):
        secret = getattr(request, _NEW_SECRET, None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        return self._secret_page(request, obj, secret)

    @admin.action(description="Make a new secret (the old one works until the overlap ends)")
    def rotate_secret(self, request: HttpRequest, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose one system at a time.", messages.WARNING)
            return None
        client = queryset.get()
        if client.revoked_at is not None:
            self.message_user(request, "A revoked system gets no new secret.", messages.ERROR)
            return None
        secret = api_client_credentials_new(client=client)
        client.save()
        return self._secret_page(request, client, secret)

    @admin.action(description="End the previous secret now (it may have leaked)")
    def end_previous_secret(self, request: HttpRequest, queryset):
        for client in queryset.exclude(previous_secret_hash=""):
            api_client_previous_secret_end(client=client)
        self.message_user(request, "Previous secrets ended.", messages.SUCCESS)

    @admin.action(description="Revoke (every call and every practitioner's token stops)")
    def revoke(self, request: HttpRequest, queryset):
        for client in queryset.filter(revoked_at__isnull=True):
            api_client_revoke(client=client)
        self.message_user(request, "Revoked.", messages.SUCCESS)

    def _secret_page(self, request: HttpRequest, client: ApiClient, secret: str):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "client": client,
            "secret": secret,
            "title": "Copy the secret now",
        }
        return TemplateResponse(request, "admin/api/apiclient/secret.html", context)


for _model in (
    oauth_models.get_application_model(),
    oauth_models.get_access_token_model(),
    oauth_models.get_refresh_token_model(),
    oauth_models.get_grant_model(),
    oauth_models.get_id_token_model(),
    oauth_models.get_device_grant_model(),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
