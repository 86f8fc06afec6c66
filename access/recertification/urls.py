"""URLs for supervisors' quarterly recertification (mounted at the site root)."""

from django.urls import path

from . import views

app_name = "recertification"

urlpatterns = [
    path("team/recertify/", views.recertification_queue_view, name="queue"),
    path("team/recertify/<int:member_id>/confirm/", views.confirm_view, name="confirm"),
    path("team/recertify/<int:member_id>/withdraw/", views.withdraw_view, name="withdraw"),
]
