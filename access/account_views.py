"""The account holder's own page of changes to confirm (``access.provisioning``).

An approved change to where a reader's reset links go waits here until its holder, signed in
as themselves with a fresh second factor, confirms or refuses it. Another user's request, or
one not waiting for them, answers 404.
"""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from audit.writer import Actor

from .provisioning.services import (
    ProvisioningRefused,
    ProvisioningRequestNotFound,
    provisioning_owner_decide,
    provisioning_requests_for_owner,
)
from .sign_in.step_up import require_step_up


class OwnerDecisionForm(forms.Form):
    request_id = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        choices=[("confirm", "I asked for this"), ("refuse", "I did not ask for this")],
        error_messages={"required": "Choose whether you asked for this change"},
    )


@require_http_methods(["GET", "POST"])
def changes(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _decide(request)
    return _page(request)


@require_step_up
def _decide(request: HttpRequest) -> HttpResponse:
    """Rule (step-up): confirming moves where password reset links go, so the holder types
    a fresh code first — a session left open at a desk does not confirm a takeover."""
    form = OwnerDecisionForm(request.POST)
    if not form.is_valid():
        return _page(request, error="Choose whether you asked for this change.", status=400)
    confirm = form.cleaned_data["decision"] == "confirm"
    try:
        provisioning_owner_decide(
            user=request.user,
            request_id=form.cleaned_data["request_id"],
            confirm=confirm,
            actor=Actor.from_request(request),
        )
    except ProvisioningRequestNotFound as error:
        raise Http404("No such request.") from error
    except ProvisioningRefused as refusal:
        return _page(request, error=refusal.reason, status=400)
    messages.success(
        request,
        "Your e-mail address was changed."
        if confirm
        else "Nothing was changed. The auditors have been told you did not ask for this.",
    )
    return redirect("account:changes")


def _page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    context = {"pending": provisioning_requests_for_owner(user=request.user), "error": error}
    return render(request, "access/account/changes.html", context, status=status)
