"""The legal-hold form on a record page: thin; the rule lives in
``access.gateway.legal_holds``."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from access.gateway.legal_holds import LegalHoldRefused, legal_hold_change
from audit.writer import Actor


class LegalHoldForm(forms.Form):
    hold = forms.BooleanField(required=False)
    reason = forms.CharField(max_length=1000, required=False)


@require_http_methods(["GET", "POST"])
def legal_hold(request: HttpRequest, public_id: str) -> HttpResponse:
    """The form on a page of its own (nothing of the child on it); the change on POST."""
    if request.method == "GET":
        return render(request, "directory/legal_hold.html", {"public_id": public_id[:32]})
    form = LegalHoldForm(request.POST)
    form.is_valid()
    try:
        legal_hold_change(
            user=request.user,
            public_id=public_id,
            hold=form.cleaned_data.get("hold", False),
            reason=form.cleaned_data.get("reason", ""),
            actor=Actor.from_request(request),
        )
    except LegalHoldRefused as refusal:
        context = {"reasons": refusal.reasons, "public_id": public_id[:32]}
        return render(request, "directory/legal_hold_refused.html", context, status=400)
    return redirect(reverse("directory:record", args=[public_id]))
