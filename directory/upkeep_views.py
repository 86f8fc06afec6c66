"""Pages for keeping records right: involvements recorded and ended from the record page,
inaccuracies reported, the corrections queue. Thin: the rules live in
``access.gateway.upkeep`` and ``access.gateway.corrections``."""

from django import forms
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.gateway import ChildNotFound, SearchRefused
from access.gateway.corrections import (
    CorrectionRefused,
    correction_decide,
    correction_item,
    correction_report,
    corrections_open,
)
from access.gateway.upkeep import UpkeepRefused, involvement_end, involvement_start, roles_for
from audit.writer import Actor
from contactpoint.date_input import GovukDateField
from directory.models import Correction

from .views import gateway_error_response


class InvolvementStartForm(forms.Form):
    role = forms.CharField(max_length=32, error_messages={"required": "Choose the role"})
    started_on = GovukDateField(name="The date you started", label="Since")


class InvolvementEndForm(forms.Form):
    role = forms.CharField(max_length=32, error_messages={"required": "Choose the role"})
    ended_on = GovukDateField(
        name="The first day you no longer work with them",
        label="From (the first day you no longer work with them)",
    )


class ReportForm(forms.Form):
    detail = forms.ChoiceField(
        label="What is wrong?", choices=Correction.Detail.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose what is wrong"},
    )  # fmt: skip
    note = forms.CharField(
        label="What is wrong, and what is right if you know", max_length=2000,
        widget=forms.Textarea, error_messages={"required": "Say what is wrong"},
    )  # fmt: skip


def _record_url(public_id: str) -> str:
    return reverse("directory:record", args=[public_id[:32]])


def _refused(request, public_id: str, reasons: list[str]) -> HttpResponse:
    context = {"reasons": reasons, "public_id": public_id[:32]}
    return render(request, "directory/upkeep_refused.html", context, status=400)


@require_POST
def involvement_add(request: HttpRequest, public_id: str) -> HttpResponse:
    return _involvement_change(request, public_id, InvolvementStartForm, involvement_start)


@require_GET
def involvements(request: HttpRequest, public_id: str) -> HttpResponse:
    """The forms, on a page of their own: it shows nothing of the child (the roles come
    from the user's organisation), so the record page stays free of per-response tokens
    and identical whoever else works with the child."""
    today = timezone.localdate()
    context = {
        "public_id": public_id[:32],
        "roles": roles_for(request.user),
        "start_form": InvolvementStartForm(initial={"started_on": today}, auto_id="start-%s"),
        "end_form": InvolvementEndForm(initial={"ended_on": today}, auto_id="end-%s"),
    }
    return render(request, "directory/involvements.html", context)


@require_POST
def involvement_stop(request: HttpRequest, public_id: str) -> HttpResponse:
    return _involvement_change(request, public_id, InvolvementEndForm, involvement_end)


def _involvement_change(request, public_id: str, form_class, change) -> HttpResponse:
    """Check the form, call ``change`` with its fields; back to the record, or say why not."""
    form = form_class(request.POST)
    if not form.is_valid():
        reasons = [error for errors in form.errors.values() for error in errors]
        return _refused(request, public_id, reasons)
    try:
        change(
            user=request.user,
            public_id=public_id,
            actor=Actor.from_request(request),
            **form.cleaned_data,
        )
    except UpkeepRefused as refusal:
        return _refused(request, public_id, refusal.reasons)
    except (SearchRefused, ChildNotFound, DatabaseError) as error:
        return gateway_error_response(request, error)
    return redirect(_record_url(public_id))


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, public_id: str) -> HttpResponse:
    form = ReportForm(request.POST or None)
    context = {"form": form, "public_id": public_id[:32]}
    if request.method == "POST" and form.is_valid():
        try:
            correction_report(
                user=request.user, public_id=public_id, detail=form.cleaned_data["detail"],
                note=form.cleaned_data["note"], actor=Actor.from_request(request),
            )  # fmt: skip
        except CorrectionRefused as refusal:
            form.add_error(None, " ".join(refusal.reasons))
        except (ChildNotFound, DatabaseError) as error:
            return gateway_error_response(request, error)
        else:
            return render(request, "directory/report_sent.html", context)
    status = 400 if form.errors else 200
    return render(request, "directory/report.html", context, status=status)


@require_GET
def corrections(request: HttpRequest) -> HttpResponse:
    items = corrections_open(user=request.user, actor=Actor.from_request(request))
    return render(request, "directory/corrections.html", {"corrections": items})


@require_http_methods(["GET", "POST"])
def correction(request: HttpRequest, correction_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    problems: list[str] = []
    if request.method == "POST":
        post = request.POST
        try:
            correction_decide(
                user=request.user,
                correction_id=correction_id,
                corrected=post.get("outcome") == "corrected",
                note=post.get("note", ""),
                actor=actor,
                address={k: post.get(k, "") for k in (
                    "address_line_1", "address_line_2", "town", "postcode")},
                carers=_carers_posted(post),
                end_involvements=[int(i) for i in post.getlist("end") if i.isdigit()],
            )  # fmt: skip
        except CorrectionRefused as refusal:
            problems = refusal.reasons
        else:
            return redirect("corrections:queue")
    view = correction_item(user=request.user, correction_id=correction_id, actor=actor)
    context = {"item": view, "problems": problems}
    return render(request, "directory/correction.html", context, status=400 if problems else 200)


def _carers_posted(post) -> dict[int, dict[str, str]]:
    carers: dict[int, dict[str, str]] = {}
    for key, value in post.items():
        kind, _, pk = key.partition("-")
        if kind in ("carer_phone", "carer_email") and pk.isdigit():
            carers.setdefault(int(pk), {})[kind.removeprefix("carer_")] = value.strip()
    return carers
