"""The form a data manager fills in to see confidential services' lookups of a child."""

from django import forms
from django.conf import settings


class DisclosureForm(forms.Form):
    """Rule (cloaking, issue 14 finding 7): confidential services' lookups are shown only for
    a stated reason, which is recorded with the report."""

    reason = forms.CharField(
        label="Why do you need to see lookups by confidential services?",
        max_length=250,
        widget=forms.Textarea,
    )

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if len(reason) < settings.JUSTIFICATION_MIN_LENGTH:
            raise forms.ValidationError(
                f"Give a reason of at least {settings.JUSTIFICATION_MIN_LENGTH} characters"
            )
        return reason
