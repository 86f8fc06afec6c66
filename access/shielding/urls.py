"""URLs for shielded children and shielding decisions (mounted at the site root)."""

from django.urls import path

from . import views

app_name = "shielding"

urlpatterns = [
    path(
        "children/<str:public_id>/request-contact/",
        views.contact_request,
        name="contact_request",
    ),
    path("children/<str:public_id>/override/", views.shield_override, name="override"),
    path("children/<str:public_id>/shield/", views.shield_set_view, name="set"),
    path("children/<str:public_id>/lift-shield/", views.shield_lift_view, name="lift"),
    path("shielding/", views.pending_lifts, name="queue"),
    path("shielding/<int:change_id>/", views.lift_decision, name="decision"),
]
