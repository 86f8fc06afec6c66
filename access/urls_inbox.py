"""URLs for the notifications inbox (mounted at the site root)."""

from django.urls import path

from . import inbox_views as views

app_name = "inbox"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:notification_id>/", views.notification_detail, name="detail"),
    path("inbox/<int:notification_id>/open/", views.notification_open, name="open"),
]
