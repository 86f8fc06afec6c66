"""The data managers' queue of requests to contact a shielded child, and one request's page.

Thin: parse, call ``access.gateway.contact_requests``, render. Anyone who is not a data
manager of the request's authority gets the shared 404.
"""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from audit.writer import Actor

from ..gateway.contact_requests import (
    ContactRequestRefused,
    contact_queue,
    contact_request_close,
    contact_request_for_manager,
    contact_request_take,
)
from ..purposes import purpose_label


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[("handled", "Handled"), ("declined", "Declined")],
        error_messages={"required": "Choose whether the request was handled or declined"},
    )
    reply = forms.CharField(
        label="Reply to the requester",
        max_length=2000,
        error_messages={"required": "Write the reply the requester will read"},
    )


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    found = contact_queue(user=request.user, actor=Actor.from_request(request))
    return render(request, "access/contact_requests/queue.html", {"queue": found})


@require_http_methods(["GET", "POST"])
def item(request: HttpRequest, request_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    form = CloseForm(request.POST or None)
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "take":
                contact_request_take(user=request.user, request_id=request_id, actor=actor)
                messages.success(request, "You took this request: you answer the requester.")
                return redirect("contact_requests:item", request_id=request_id)
            if form.is_valid():
                contact_request_close(
                    user=request.user,
                    request_id=request_id,
                    handled=form.cleaned_data["outcome"] == "handled",
                    reply=form.cleaned_data["reply"],
                    actor=actor,
                )
                messages.success(request, "The request is closed and the requester was told.")
                return redirect("contact_requests:queue")
        except ContactRequestRefused as refusal:
            error = refusal.reason
    found = contact_request_for_manager(user=request.user, request_id=request_id, actor=actor)
    context = {
        "item": found,
        "form": form,
        "error": error,
        "purpose": purpose_label(found.purpose),
        "mine": found.assignee_id == request.user.pk,
    }
    status = 400 if (error or form.errors) else 200
    return render(request, "access/contact_requests/item.html", context, status=status)
