"""The supervisor's reason when withdrawing a team member's access."""

from django import forms


class WithdrawalForm(forms.Form):
    note = forms.CharField(
        label="Why do they no longer need ContactPoint?",
        widget=forms.Textarea,
        max_length=1000,
        error_messages={"required": "Say why their access should be withdrawn"},
    )
