"""URLs of the feeds pages for local authorities' data managers (mounted at the site root)."""

from django.urls import path

from . import feed_views as views

app_name = "feeds"

urlpatterns = [
    path("feeds/", views.feeds, name="uploads"),
    path("feeds/uploads/<int:upload_id>/", views.upload, name="upload"),
    path("feeds/uploads/<int:upload_id>/errors.csv", views.upload_errors, name="upload_errors"),
]
