"""The approvers' queue in admin: changes to child readers that wait for a second person.

Thin: parse, call ``services``, render. Mounted by ``access.admin_site`` behind
``admin_view`` (a verified admin or auditor, CSRF-protected, never cached). Rule: a request
the user may not decide — their own, about themselves, or outside their authority — answers
404, as one that does not exist.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from audit.writer import Actor

from ..models import ProvisioningRequest
from ..sign_in.enrolment_codes import enrolment_code_format
from ..sign_in.step_up import require_step_up
from .services import (
    ProvisioningRefused,
    ProvisioningRequestNotFound,
    provisioning_request_decide,
    provisioning_request_get_for_approver,
    provisioning_requests_for_approver,
)


class ProvisioningDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve: apply the change now"), ("decline", "Decline")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose approve or decline"},
    )
    identity_check = forms.ChoiceField(
        label="How you checked that the person asking is the account holder",
        choices=ProvisioningRequest.IdentityCheck.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    note = forms.CharField(label="Note", widget=forms.Textarea, max_length=2000, required=False)

    def __init__(self, *args, pending: ProvisioningRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.asks_identity = pending.kind == ProvisioningRequest.Kind.SECOND_FACTOR_RESET
        if not self.asks_identity:
            del self.fields["identity_check"]

    def clean(self):
        data = super().clean()
        approving = data.get("decision") == "approve"
        if data.get("decision") == "decline" and not data.get("note", "").strip():
            self.add_error("note", "Say why, so the admin who asked understands")
        if approving and self.asks_identity:
            if not data.get("identity_check"):
                self.add_error("identity_check", "Say how you checked who is asking")
            if not data.get("note", "").strip():
                self.add_error("note", "Write what you checked: which ID, which number you called")
        return data


def _context(request: HttpRequest, title: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, **extra}


@require_http_methods(["GET"])
def queue(request: HttpRequest) -> HttpResponse:
    requests = provisioning_requests_for_approver(user=request.user)
    context = _context(request, "Changes waiting for a second approver", requests=requests)
    return TemplateResponse(request, "admin/provisioning/queue.html", context)


@require_http_methods(["GET", "POST"])
def decision(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        pending = provisioning_request_get_for_approver(user=request.user, request_id=request_id)
    except ProvisioningRequestNotFound as error:
        raise Http404("No such request.") from error
    if request.method == "POST":
        return _decide(request, pending)
    return _page(request, pending, ProvisioningDecisionForm(pending=pending))


@require_step_up
def _decide(request: HttpRequest, pending: ProvisioningRequest) -> HttpResponse:
    """Rule (step-up): approving gives someone access to children or their account, so the
    approver types a fresh code first."""
    request_id = pending.pk
    form = ProvisioningDecisionForm(request.POST, pending=pending)
    if form.is_valid():
        try:
            decision = provisioning_request_decide(
                user=request.user,
                request_id=request_id,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
                actor=Actor.from_request(request),
                identity_check=form.cleaned_data.get("identity_check", ""),
            )
        except ProvisioningRequestNotFound as error:
            raise Http404("No such request.") from error
        except ProvisioningRefused as refusal:
            form.add_error(None, refusal.reason)
        else:
            if decision.enrolment_code:
                return _code_page(request, decision)
            messages.success(request, "Your decision was recorded.")
            return redirect("admin:provisioning_queue")
    pending = provisioning_request_get_for_approver(user=request.user, request_id=request_id)
    return _page(request, pending, form, status=400)


def _code_page(request: HttpRequest, decision) -> HttpResponse:
    """The enrolment code, shown this once (never stored plain, never e-mailed): the approver
    gives it to the holder in the identity-check conversation. ``admin_view`` makes the page
    never-cached."""
    context = _context(
        request,
        f"Enrolment code for {decision.request.target}",
        pending=decision.request,
        code=enrolment_code_format(decision.enrolment_code),
        hours=settings.ENROLMENT_CODE_HOURS,
    )
    return TemplateResponse(request, "admin/provisioning/enrolment_code.html", context)


def _page(request: HttpRequest, pending, form, status: int = 200) -> HttpResponse:
    context = _context(
        request, f"{pending.get_kind_display()}: {pending.target}", pending=pending, form=form
    )
    return TemplateResponse(request, "admin/provisioning/decision.html", context, status=status)
