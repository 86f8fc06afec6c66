from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import enrolment_views, views

app_name = "access"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("second-factor/", views.second_factor, name="second_factor"),
    path("enrol/", views.enrol, name="enrol"),
    path("enrol/code/", enrolment_views.enrolment_code, name="enrol_code"),
    path("logout/", views.logout_view, name="logout"),
    path("step-up/", views.step_up, name="step_up"),
    # Reset links sent from admin ("Send password reset link"): the owner chooses a password
    # that must pass AUTH_PASSWORD_VALIDATORS; no admin ever sets one.
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="access/password_reset_confirm.html",
            success_url=reverse_lazy("access:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="access/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
