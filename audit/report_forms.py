"""The forms of the who-viewed report: which child, and (to see confidential services'
lookups) why."""

import re

from django import forms
from django.conf import settings

PUBLIC_ID = re.compile(r"^[a-z2-7]{26}$")
_SEPARATORS = re.compile(r"[\s-]+")


class ChildIdForm(forms.Form):
    """The ContactPoint ID of a subject access request.

    Rule (out of scope looks like not found): only the id's format is checked here, which is
    public (``directory.public_ids``); a well-formed id goes on to the report, where a child
    that does not exist and one outside the data manager's authority get the same 404.
    """

    public_id = forms.CharField(
        label="ContactPoint ID",
        max_length=40,
        error_messages={"required": "Enter the child's ContactPoint ID"},
    )

    def clean_public_id(self) -> str:
        value = _SEPARATORS.sub("", self.cleaned_data["public_id"]).lower()
        if not PUBLIC_ID.match(value):
            raise forms.ValidationError(
                "Enter a ContactPoint ID in the right format: 26 characters, letters a to z "
                "and numbers 2 to 7"
            )
        return value


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
