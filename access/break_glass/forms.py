"""Forms for break-glass, access requests and supervisors' decisions."""

from django import forms
from django.conf import settings

from access.models import AccessRequest
from directory.forms import ChildSearchForm

EMERGENCY_REASONS = [
    choice
    for choice in AccessRequest.Reason.choices
    if choice[0] != AccessRequest.Reason.NEW_INVOLVEMENT
]


class RequestForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why do you need this child's record?",
        choices=AccessRequest.Reason.choices,
        error_messages={"required": "Select a reason"},
    )
    justification = forms.CharField(
        label="Explain what has happened and why you cannot wait",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Explain why you need access"},
    )

    def clean_justification(self) -> str:
        value = self.cleaned_data["justification"].strip()
        minimum = settings.JUSTIFICATION_MIN_LENGTH
        if len(value) < minimum:
            raise forms.ValidationError(f"Explain in at least {minimum} characters")
        return value


class EmergencyForm(RequestForm):
    reason = forms.ChoiceField(
        label="What is the emergency?",
        choices=EMERGENCY_REASONS,
        error_messages={"required": "Select what the emergency is"},
    )


class DirectorySearchForm(ChildSearchForm):
    """The search form without a purpose (the request states it) and with strong identifiers:
    a family name plus a date of birth or a full postcode."""

    purpose = None

    def clean(self):
        data = super().clean()
        postcode = data.get("postcode") or ""
        full_postcode = " " in postcode
        if not self.errors and not (data.get("date_of_birth") or full_postcode):
            raise forms.ValidationError(
                "Enter a date of birth or a full postcode with the family name"
            )
        return data

    def criteria(self, *, purpose: str):
        """The purpose is the request's (``gateway.break_glass.request_purpose``), not typed."""
        self.cleaned_data["purpose"] = purpose
        return super().criteria()


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("endorse", "Endorse"),
            ("reject", "Reject"),
            ("approve", "Approve"),
            ("decline", "Decline"),
        ],
        error_messages={"required": "Choose a decision"},
    )
    note = forms.CharField(label="Note", widget=forms.Textarea, max_length=2000, required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") in ("reject", "decline") and not data.get("note", "").strip():
            self.add_error("note", "Say why, so the requester and auditors understand")
        return data
