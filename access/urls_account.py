"""URLs of the signed-in user's own account (mounted at the site root)."""

from django.urls import path

from . import account_views

app_name = "account"

urlpatterns = [
    path("account/changes/", account_views.changes, name="changes"),
]
