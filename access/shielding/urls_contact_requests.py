"""URLs of the data managers' contact-request queue (mounted at the site root)."""

from django.urls import path

from . import contact_request_views as views

app_name = "contact_requests"

urlpatterns = [
    path("contact-requests/", views.queue, name="queue"),
    path("contact-requests/<int:request_id>/", views.item, name="item"),
]
