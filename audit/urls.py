from django.urls import path

from . import views
from .alerts import views as alert_views

app_name = "audit"

urlpatterns = [
    path("my-lookups/", views.my_lookups, name="my_lookups"),
    path("team-lookups/", views.team_lookups, name="team_lookups"),
    path("child-viewers/", views.child_viewers_start, name="child_viewers_start"),
    path("children/<str:public_id>/viewers/", views.child_viewers, name="child_viewers"),
    path(
        "children/<str:public_id>/viewers/confidential/",
        views.child_viewers_confidential,
        name="child_viewers_confidential",
    ),
    path("alerts/", alert_views.alert_queue, name="alert_queue"),
    path("alerts/dashboard/", alert_views.misuse_dashboard_view, name="misuse_dashboard"),
    path("alerts/<int:alert_id>/", alert_views.alert_detail_view, name="alert_detail"),
]
