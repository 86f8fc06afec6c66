"""URLs for break-glass, access requests and supervision (mounted at the site root)."""

from django.urls import path

from . import views

app_name = "break_glass"

urlpatterns = [
    path("break-glass/", views.break_glass_start, name="break_glass"),
    path("request-access/", views.request_access_start, name="request_access"),
    path(
        "break-glass/<int:request_id>/search/",
        views.directory_search_view,
        name="directory_search",
    ),
    path("break-glass/<int:request_id>/grant/", views.grant_view, name="grant"),
    path("my-requests/", views.my_requests, name="my_requests"),
    path("supervision/", views.supervision_queue_view, name="supervision"),
    path("supervision/escalations/", views.escalations_view, name="escalations"),
    path("supervision/<int:request_id>/", views.supervision_detail, name="supervision_detail"),
]
