"""Top-level URLs. Every path except ``/accounts/`` and static files needs a verified second
factor (``access.middleware.RequireTwoFactorMiddleware``)."""

from django.contrib import admin
from django.urls import include, path

from directory import views as directory_views

from . import health_views

admin.site.site_header = "ContactPoint administration"
admin.site.site_title = "ContactPoint admin"

urlpatterns = [
    path("", directory_views.home, name="home"),
    path("accounts/", include("access.urls")),
    path("account/", include("access.urls_account")),
    path("", include("directory.urls")),
    path("", include("access.urls_break_glass")),
    path("", include("access.urls_inbox")),
    path("", include("access.urls_shielding")),
    path("", include("access.urls_contact_requests")),
    path("", include("access.urls_recertification")),
    path("", include("directory.urls_feeds")),
    path("", include("directory.urls_feed_reviews")),
    path("", include("directory.urls_upkeep")),
    path("audit/", include("audit.urls")),
    path("info/", include("contactpoint.urls_info")),
    path("admin/", admin.site.urls),
    path("healthz", health_views.healthz, name="healthz"),
    path("healthz/live", health_views.live, name="healthz_live"),
    path("healthz/ready", health_views.ready, name="healthz_ready"),
]

handler404 = "directory.views.not_found"
handler500 = "directory.views.server_error"
