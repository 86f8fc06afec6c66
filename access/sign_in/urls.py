from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.views.i18n import JavaScriptCatalog

from . import enrolment_views, sign_in_methods_views, views, webauthn_views

app_name = "access"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("second-factor/", views.second_factor, name="second_factor"),
    path("enrol/", views.enrol, name="enrol"),
    path("enrol/code/", enrolment_views.enrolment_code, name="enrol_code"),
    path("logout/", views.logout_view, name="logout"),
    path("step-up/", views.step_up, name="step_up"),
    path(
        "second-factor/recovery-code/",
        views.recovery_code_sign_in,
        name="recovery_code_sign_in",
    ),
    path(
        "security-key-needed/",
        sign_in_methods_views.security_key_needed,
        name="security_key_needed",
    ),
    # Security-key ceremonies (JSON, called by django-otp-webauthn's script) and the strings
    # that script translates with.
    path(
        "keys/register/begin/",
        webauthn_views.KeyRegistrationBegin.as_view(),
        name="key_register_begin",
    ),
    path(
        "keys/register/complete/",
        webauthn_views.KeyRegistrationComplete.as_view(),
        name="key_register_complete",
    ),
    path("keys/sign-in/begin/", webauthn_views.KeySignInBegin.as_view(), name="key_sign_in_begin"),
    path(
        "keys/sign-in/complete/",
        webauthn_views.KeySignInComplete.as_view(),
        name="key_sign_in_complete",
    ),
    path("keys/step-up/begin/", webauthn_views.KeyStepUpBegin.as_view(), name="key_step_up_begin"),
    path(
        "keys/step-up/complete/",
        webauthn_views.KeyStepUpComplete.as_view(),
        name="key_step_up_complete",
    ),
    path(
        "keys/strings.js",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="webauthn_strings",
    ),
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
