"""Forms for the misuse-review pages: the queue's filters, the dashboard's bucket and a
reviewer's decision on an alert.

Filters arrive as GET parameters anyone can edit, so each is a closed choice: a value that is
not one of them is a form error shown on the page, never a query.
"""

from __future__ import annotations

from django import forms

from ..models import Alert, AlertDecision
from ..review.detectors import DETECTORS
from .selectors import ACTIVE_STATUSES, DASHBOARD_SPAN, QueueFilters

STATUS_CHOICES = (
    ("active", "Open or escalated"),
    (Alert.Status.OPEN, "Open"),
    (Alert.Status.ESCALATED, "Escalated to auditors"),
    (Alert.Status.CLOSED, "Closed"),
    ("all", "All"),
)
_STATUSES = {
    "active": ACTIVE_STATUSES,
    Alert.Status.OPEN: (Alert.Status.OPEN,),
    Alert.Status.ESCALATED: (Alert.Status.ESCALATED,),
    Alert.Status.CLOSED: (Alert.Status.CLOSED,),
    "all": tuple(Alert.Status.values),
}
MAX_PAGE = 10_000


class AlertFilterForm(forms.Form):
    """The queue's filters. Auditors start at open and escalated alerts; supervisors at open
    ones (escalated alerts have left their hands)."""

    status = forms.ChoiceField(
        label="Status",
        choices=STATUS_CHOICES,
        required=False,
        error_messages={"invalid_choice": "Choose a status from the list"},
    )
    detector = forms.ChoiceField(
        label="Kind of alert",
        choices=[("", "Any kind")] + [(d.name, d.label) for d in DETECTORS],
        required=False,
        error_messages={"invalid_choice": "Choose a kind of alert from the list"},
    )
    severity = forms.ChoiceField(
        label="Severity",
        choices=[("", "Any severity"), *Alert.Severity.choices],
        required=False,
        error_messages={"invalid_choice": "Choose a severity from the list"},
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE,
        error_messages={
            "invalid": "The page number must be a whole number",
            "min_value": "The page number must be 1 or more",
            "max_value": "The page number is too large",
        },
    )

    def __init__(self, data, *, default_status: str):
        super().__init__(data)
        self.default_status = default_status

    def filters(self) -> QueueFilters:
        data = self.cleaned_data
        return QueueFilters(
            statuses=_STATUSES[data.get("status") or self.default_status],
            detector=data.get("detector") or "",
            severity=data.get("severity") or "",
        )

    def chosen_status(self) -> str:
        value = self.data.get("status") or self.default_status
        return value if value in _STATUSES else self.default_status

    def page_number(self) -> int:
        return self.cleaned_data.get("page") or 1


class DashboardForm(forms.Form):
    by = forms.ChoiceField(
        label="Show alerts per",
        choices=[("week", "Week"), ("day", "Day")],
        required=False,
        error_messages={"invalid_choice": "Choose per week or per day"},
    )

    def bucket(self) -> str:
        value = self.cleaned_data.get("by") or "week"
        return value if value in DASHBOARD_SPAN else "week"


class AlertDecisionForm(forms.Form):
    """Rule (review): every outcome needs a note, and only misuse may suspend the account."""

    action = forms.ChoiceField(
        label="Outcome",
        choices=[
            (AlertDecision.Action.LEGITIMATE, "Legitimate: there was a good reason"),
            (AlertDecision.Action.NEEDS_TRAINING, "Needs training: careless, not malicious"),
            (AlertDecision.Action.MISUSE, "Misuse"),
            (AlertDecision.Action.ESCALATE, "Escalate to the auditors"),
        ],
        error_messages={"required": "Choose an outcome", "invalid_choice": "Choose an outcome"},
    )
    note = forms.CharField(
        label="Note",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={
            "required": "Write a note saying what you found",
            "max_length": "The note must be 2,000 characters or fewer",
        },
    )
    suspend = forms.BooleanField(
        label="Suspend this account pending investigation",
        required=False,
    )

    def __init__(self, data=None, *, may_escalate: bool):
        super().__init__(data)
        if not may_escalate:
            self.fields["action"].choices = [
                choice
                for choice in self.fields["action"].choices
                if choice[0] != AlertDecision.Action.ESCALATE
            ]

    def clean_note(self) -> str:
        note = self.cleaned_data["note"].strip()
        if not note:
            raise forms.ValidationError("Write a note saying what you found")
        return note

    def clean(self):
        data = super().clean()
        if data.get("suspend") and data.get("action") != AlertDecision.Action.MISUSE:
            self.add_error("suspend", "Only an outcome of misuse can suspend the account")
        return data
