"""Forms for brokered contact, shield overrides and data managers' shielding decisions."""

from django import forms
from django.conf import settings

from ..purposes import Purpose


def _at_least(value: str, minimum: int) -> str:
    value = value.strip()
    if len(value) < minimum:
        raise forms.ValidationError(f"Explain in at least {minimum} characters")
    return value


class ContactRequestForm(forms.Form):
    purpose = forms.ChoiceField(choices=Purpose.choices, widget=forms.HiddenInput)
    message = forms.CharField(
        label="Message for the management team (optional)",
        widget=forms.Textarea,
        max_length=1000,
        required=False,
    )


class ShieldOverrideForm(forms.Form):
    purpose = forms.ChoiceField(
        label="Why do you need this record?",
        choices=Purpose.choices,
        error_messages={"required": "Select why you need this record"},
    )
    reason = forms.CharField(
        label="Why must you see this child's full record now?",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Explain why you must override the shield"},
    )

    def clean_reason(self) -> str:
        return _at_least(self.cleaned_data["reason"], settings.SHIELD_OVERRIDE_REASON_MIN_LENGTH)


class ShieldReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Give the reason"},
    )

    def clean_reason(self) -> str:
        return _at_least(self.cleaned_data["reason"], settings.SHIELD_REASON_MIN_LENGTH)


class LiftDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("decline", "Decline")],
        error_messages={"required": "Choose approve or decline"},
    )
    note = forms.CharField(label="Note", widget=forms.Textarea, max_length=2000, required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not data.get("note", "").strip():
            self.add_error("note", "Say why, so the data manager who asked understands")
        return data
