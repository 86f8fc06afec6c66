"""Pages for shielded children: brokered contact, the child-protection override and the data
managers' shielding decisions. Thin: parse, call ``access.gateway``, render."""

import secrets

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from access.models import Role
from audit.writer import Actor
from directory.views import (
    GATEWAY_ERRORS,
    PURPOSE_KEY,
    gateway_error_response,
    not_found,
)

from ..gateway import SearchRefused
from ..gateway.contact_requests import contact_request_send
from ..gateway.shield_changes import (
    ShieldChangeRefused,
    shield_lift_ask,
    shield_lift_decide,
    shield_lift_item,
    shield_lifts_pending,
    shield_set,
    shield_subject_get,
)
from ..gateway.shield_override import (
    ChildNotShielded,
    ShieldOverrideRefused,
    child_get_overriding_shield,
    shield_override_refuse,
)
from ..gateway.shielding import may_override_shield
from ..purposes import Purpose
from ..sign_in.step_up import require_step_up
from .forms import (
    ContactRequestForm,
    LiftDecisionForm,
    ShieldOverrideForm,
    ShieldReasonForm,
)

# One-time token of the override form: a reload or replay of the POST finds it spent and
# gets the shielded record, so the full record is shown on one response only.
_OVERRIDE_ONCE = "cp_shield_override_once"


def _record_url(public_id: str) -> str:
    return reverse("directory:record", args=[public_id])


def _refused(request: HttpRequest, reasons: list[str]) -> HttpResponse:
    return render(request, "access/shielding/refused.html", {"reasons": reasons}, status=403)


@require_POST
def contact_request(request: HttpRequest, public_id: str) -> HttpResponse:
    form = ContactRequestForm(request.POST)
    if not form.is_valid():
        return redirect(_record_url(public_id[:32]))
    try:
        sent = contact_request_send(
            user=request.user,
            public_id=public_id[:32],
            purpose=form.cleaned_data["purpose"],
            message=form.cleaned_data["message"].strip(),
            actor=Actor.from_request(request),
        )
    except GATEWAY_ERRORS as error:
        return gateway_error_response(request, error)
    return render(request, "access/shielding/contact_sent.html", {"sent": sent})


@require_http_methods(["GET", "POST"])
def shield_override(request: HttpRequest, public_id: str) -> HttpResponse:
    """Refuse other roles before asking for a code: a refusal needs no step-up."""
    if not may_override_shield(request.user):
        try:
            shield_override_refuse(
                user=request.user, public_id=public_id, actor=Actor.from_request(request)
            )
        except ShieldOverrideRefused as refusal:
            return _refused(request, refusal.reasons)
    return _override_after_step_up(request, public_id[:32])


@require_step_up
def _override_after_step_up(request: HttpRequest, public_id: str) -> HttpResponse:
    form = ShieldOverrideForm(request.POST or None)
    if request.method == "POST":
        issued = request.session.pop(_OVERRIDE_ONCE, None)
        if issued is None or issued != f"{public_id} {request.POST.get('once', '')}":
            return redirect(_record_url(public_id))
        if form.is_valid():
            return _override_show(request, public_id, form)
    else:
        form = ShieldOverrideForm(initial={"purpose": request.session.get(PURPOSE_KEY)})
    return _override_warning(request, public_id, form)


def _override_warning(request: HttpRequest, public_id: str, form) -> HttpResponse:
    once = secrets.token_urlsafe(16)
    request.session[_OVERRIDE_ONCE] = f"{public_id} {once}"
    context = {"form": form, "public_id": public_id, "once": once}
    status = 400 if form.errors else 200
    return render(request, "access/shielding/override.html", context, status=status)


def _override_show(request: HttpRequest, public_id: str, form) -> HttpResponse:
    purpose = form.cleaned_data["purpose"]
    try:
        record = child_get_overriding_shield(
            user=request.user,
            public_id=public_id,
            purpose=purpose,
            reason=form.cleaned_data["reason"],
            actor=Actor.from_request(request),
        )
    except ShieldOverrideRefused as refusal:
        for reason in refusal.reasons:
            form.add_error(None, reason)
        return _override_warning(request, public_id, form)
    except ChildNotShielded:
        return redirect(_record_url(public_id))
    except GATEWAY_ERRORS as error:
        return gateway_error_response(request, error)
    request.session[PURPOSE_KEY] = purpose
    return render(request, "directory/record.html", {"child": record, "purpose": Purpose(purpose)})


_SHIELD_SET = (
    "This child is now shielded. Everyone else sees only their name, gender, date of birth "
    "and ID, and contact comes through your team."
)
_LIFT_ASKED = (
    "Your request to lift the shield was sent to the other data managers of your authority. "
    "The child stays shielded until one of them approves."
)
_LIFT_DECIDED = {
    True: "You approved the request: the shield is lifted. The data manager who asked was told.",
    False: "You declined the request: the child stays shielded. The data manager who asked was "
    "told.",
}


def _reason_page(request: HttpRequest, public_id: str, *, change, template: str, done: str):
    """Shield or ask to lift: the child named by name and date of birth (read through the
    gateway, audited), a reason, and a confirmation on the record once done."""
    if request.user.role != Role.DATA_MANAGER:
        return not_found(request, None)
    public_id = public_id[:32]
    actor = Actor.from_request(request)
    form = ShieldReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change(
                user=request.user,
                public_id=public_id,
                reason=form.cleaned_data["reason"],
                actor=actor,
            )
        except ShieldChangeRefused as refusal:
            for reason in refusal.reasons:
                form.add_error(None, reason)
        except GATEWAY_ERRORS as error:
            return gateway_error_response(request, error)
        else:
            messages.success(request, done)
            return redirect(_record_url(public_id))
    try:
        subject = shield_subject_get(user=request.user, public_id=public_id, actor=actor)
    except GATEWAY_ERRORS as error:
        return gateway_error_response(request, error)
    context = {
        "form": form,
        "public_id": public_id,
        "subject": subject,
        "minimum": settings.SHIELD_REASON_MIN_LENGTH,
    }
    return render(request, template, context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def shield_set_view(request: HttpRequest, public_id: str) -> HttpResponse:
    return _reason_page(
        request,
        public_id,
        change=shield_set,
        template="access/shielding/set.html",
        done=_SHIELD_SET,
    )


@require_http_methods(["GET", "POST"])
def shield_lift_view(request: HttpRequest, public_id: str) -> HttpResponse:
    return _reason_page(
        request,
        public_id,
        change=shield_lift_ask,
        template="access/shielding/lift.html",
        done=_LIFT_ASKED,
    )


@require_http_methods(["GET"])
def pending_lifts(request: HttpRequest) -> HttpResponse:
    lifts = shield_lifts_pending(user=request.user, actor=Actor.from_request(request))
    if lifts is None:
        return not_found(request, None)
    return render(request, "access/shielding/queue.html", {"lifts": lifts})


@require_http_methods(["GET", "POST"])
def lift_decision(request: HttpRequest, change_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    form = LiftDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            shield_lift_decide(
                user=request.user,
                change_id=change_id,
                approve=approve,
                note=form.cleaned_data["note"],
                actor=actor,
            )
        except ShieldChangeRefused as refusal:
            for reason in refusal.reasons:
                form.add_error(None, reason)
        except SearchRefused as refusal:
            return _refused(request, refusal.reasons)
        else:
            messages.success(request, _LIFT_DECIDED[approve])
            return redirect("shielding:queue")
    lift = shield_lift_item(user=request.user, change_id=change_id, actor=actor)
    context = {"lift": lift, "form": form}
    status = 400 if form.errors else 200
    return render(request, "access/shielding/decision.html", context, status=status)
