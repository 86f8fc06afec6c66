"""Sign-in forms. Field names are part of the outside contract: username, password, otp_token."""

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


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label="Recovery code",
        max_length=20,
        error_messages={"required": "Enter one of your recovery codes"},
    )


class KeyNameForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=64,
        help_text="So you can tell your keys apart, for example ‘Blue YubiKey’ or ‘Work laptop’",
        error_messages={"required": "Enter a name for the security key"},
    )
