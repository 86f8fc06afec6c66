"""Top-level URLs. Every path except ``/accounts/`` and static files needs a verified second
factor (``access.middleware.RequireTwoFactorMiddleware``)."""

from django.contrib import admin
from django.urls import include, path

from api.token_views import api_access
from directory import views as directory_views

from . import health_views

admin.site.site_header = "ContactPoint administration"
admin.site.site_title = "ContactPoint admin"

urlpatterns = [
    path("", directory_views.home, name="home"),
    path("accounts/", include("access.sign_in.urls")),
    path("account/api-access/", api_access, name="api_access"),
    path("account/", include("access.urls_account")),
    path("", include("directory.urls")),
    path("", include("access.break_glass.urls")),
    path("", include("access.urls_inbox")),
    path("", include("access.shielding.urls")),
    path("", include("access.shielding.urls_contact_requests")),
    path("", include("access.recertification.urls")),
    path("", include("directory.urls_feeds")),
    path("", include("directory.urls_feed_reviews")),
    path("", include("directory.urls_upkeep")),
    path("audit/", include("audit.urls")),
    path("info/", include("contactpoint.urls_info")),
    path("admin/", admin.site.urls),
    # The API authenticates each call itself (a connecting system and a practitioner's token),
    # never by session: ``RequireTwoFactorMiddleware`` leaves /api/ to it.
    path("api/v1/", include("api.urls")),
    path("healthz", health_views.healthz, name="healthz"),
    path("healthz/live", health_views.live, name="healthz_live"),
    path("healthz/ready", health_views.ready, name="healthz_ready"),
]

# Under /api/ a problem document, elsewhere the pages' (``api.problems``).
handler404 = "api.problems.not_found_handler"
handler500 = "api.problems.server_error_handler"
