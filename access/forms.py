"""Login forms. Field names are part of the outside contract: username, password, otp_token."""

from django import forms


class PasswordForm(forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=150,
        error_messages={"required": "Enter your username"},
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput,
        error_messages={"required": "Enter your password"},
    )


class TokenForm(forms.Form):
    otp_token = forms.CharField(
        label="Security code",
        max_length=12,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )
