"""The search form: validates what a practitioner types and turns it into criteria."""

import re
from datetime import date

from django import forms
from django.utils import timezone

from access.gateway import SearchCriteria
from access.purposes import Purpose
from contactpoint.date_input import GovukDateField

from .normalise import normalise_postcode

_OUTWARD = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
# Letters in words joined by a space, hyphen or apostrophe, or by a full stop after an
# initial ("St. John", "H.-Dieter"). Typographic apostrophes are read as plain ones first.
_NAME = re.compile(r"^[^\W\d_]+(?:(?:\.[ -]?|[ '\-])[^\W\d_]+)*\.?$")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def _clean_name(value: str, label: str) -> str:
    value = " ".join(value.translate(_APOSTROPHES).split())
    if value and not _NAME.match(value):
        raise forms.ValidationError(
            f"{label} must only include letters, spaces, hyphens and apostrophes"
        )
    return value


class ChildSearchForm(forms.Form):
    family_name = forms.CharField(
        label="Family name",
        max_length=100,
        error_messages={"required": "Enter the child's family name"},
    )
    given_name = forms.CharField(label="Given name", max_length=100, required=False)
    date_of_birth = GovukDateField(label="Date of birth", name="Date of birth", required=False)
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    purpose = forms.ChoiceField(
        label="Why are you searching?",
        choices=Purpose.choices,
        error_messages={"required": "Select why you are searching"},
    )

    def clean_family_name(self) -> str:
        value = _clean_name(self.cleaned_data["family_name"], "Family name")
        if len(value) < 2:
            raise forms.ValidationError("Family name must be at least 2 letters")
        return value

    def clean_given_name(self) -> str:
        return _clean_name(self.cleaned_data["given_name"], "Given name")

    def clean_date_of_birth(self) -> date | None:
        value = self.cleaned_data["date_of_birth"]
        if value and value > timezone.localdate():
            raise forms.ValidationError("Date of birth must be today or in the past")
        if value and value.year < 1990:
            raise forms.ValidationError("Date of birth must be after 1990")
        return value

    def clean_postcode(self) -> str:
        raw = self.cleaned_data["postcode"].strip()
        if not raw:
            return ""
        compact = re.sub(r"\s+", "", raw).upper()
        if _OUTWARD.match(compact):
            return compact
        try:
            return normalise_postcode(raw)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error

    def criteria(self) -> SearchCriteria:
        data = self.cleaned_data
        return SearchCriteria(
            family_name=data["family_name"],
            given_name=data["given_name"],
            date_of_birth=data["date_of_birth"],
            postcode=data["postcode"],
            postcode_is_outward=bool(data["postcode"]) and " " not in data["postcode"],
            purpose=data["purpose"],
        )


class PurposeForm(forms.Form):
    """Asked before a record opens when the session has no stated purpose."""

    purpose = forms.ChoiceField(
        label="Why are you looking at this record?",
        choices=Purpose.choices,
        error_messages={"required": "Select why you are looking at this record"},
    )
