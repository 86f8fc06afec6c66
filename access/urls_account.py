"""The signed-in user's own account pages, under ``/account/``: unlike ``/accounts/`` (the
sign-in steps), every one of them needs a verified second factor, from the middleware."""

from django.urls import path

from . import account_views
from .sign_in import sign_in_methods_views as views

app_name = "account"

urlpatterns = [
    path("sign-in-methods/", views.sign_in_methods, name="sign_in_methods"),
    path(
        "sign-in-methods/keys/<int:key_id>/name/",
        views.security_key_name,
        name="security_key_name",
    ),
    path(
        "sign-in-methods/keys/<int:key_id>/remove/",
        views.security_key_remove,
        name="security_key_remove",
    ),
    path("sign-in-methods/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    # Changes an admin asked for and a second admin approved, waiting for the holder.
    path("changes/", account_views.changes, name="changes"),
]
