"""The admin site: one login page, entry only for verified admins and auditors, and no page
for changing a password.

``access.admin_apps.AdminConfig`` installs it as ``admin.site``.
"""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .admin_permissions import admin_site_allowed


class ContactPointAdminSite(admin.AdminSite):
    site_header = "ContactPoint administration"
    site_title = "ContactPoint admin"
    index_title = "Organisations, users and history"

    def has_permission(self, request: HttpRequest) -> bool:
        """Rule: admin needs a verified second factor and an admin or auditor role, checked
        here as well as by ``RequireTwoFactorMiddleware`` so that neither alone is load
        bearing."""
        return admin_site_allowed(request.user)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """There is one login page (password, then second factor): send people to it, keeping
        where they were going."""
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            next_url, {request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("admin:index", current_app=self.name)
        if self.has_permission(request):
            return redirect(next_url)
        return redirect_to_login(next_url, reverse("access:login"))

    def get_urls(self):
        """The approvers' queue for changes to child readers (``access.provisioning.views``)."""
        from .provisioning import views as provisioning_views

        return [
            path(
                "provisioning/",
                self.admin_view(provisioning_views.queue),
                name="provisioning_queue",
            ),
            path(
                "provisioning/<int:request_id>/",
                self.admin_view(provisioning_views.decision),
                name="provisioning_decision",
            ),
            *super().get_urls(),
        ]

    def password_change(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """Rule: nobody sets a password in admin, their own included; every password is chosen
        by its owner through a reset link, against the validators. The page answers as an
        address that does not exist (and ``admin/base_site.html`` drops its link)."""
        raise Http404("No such page.")

    def password_change_done(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        raise Http404("No such page.")
