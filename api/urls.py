"""``/api/v1/``: versioned in the path, so a v2 can live beside it."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from . import oauth_views, reference, views
from .problems import unknown_address

app_name = "api"

urlpatterns = [
    path(
        "oauth/token/",
        oauth_views.ClientCredentialsTokenView.as_view(),
        name="oauth_token",
    ),
    path("children/", views.ChildSearchView.as_view(), name="children_search"),
    path("children/<str:public_id>/", views.ChildRecordView.as_view(), name="children_record"),
    path("me/access-requests/", views.MyAccessRequestsView.as_view(), name="me_access_requests"),
    path("me/notifications/", views.MyNotificationsView.as_view(), name="me_notifications"),
    path(
        "me/notifications/<int:notification_id>/",
        views.MyNotificationView.as_view(),
        name="me_notification",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("reference/", reference.reference, name="reference"),
    # Anything else under /api/v1/ is a problem too, not the pages' HTML 404.
    re_path(r"^.*$", unknown_address),
]
