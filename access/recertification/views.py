"""Supervisors' recertification pages. Thin: parse, call ``services``, render.

A member outside the supervisor's own team answers the shared 404, like one that does not
exist."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.writer import Actor

from .forms import WithdrawalForm
from .services import (
    Decision,
    RecertificationRefused,
    recertification_decide,
    recertification_queue,
    team_member_get,
)


@require_GET
def recertification_queue_view(request: HttpRequest) -> HttpResponse:
    queue = recertification_queue(supervisor=request.user)
    return render(request, "access/recertification/queue.html", {"queue": queue})


@require_POST
def confirm_view(request: HttpRequest, member_id: int) -> HttpResponse:
    try:
        answer = recertification_decide(
            supervisor=request.user,
            member_id=member_id,
            decision=Decision.CONFIRMED,
            note="",
            actor=Actor.from_request(request),
        )
    except RecertificationRefused as refusal:
        messages.info(request, refusal.reason)
        return redirect("recertification:queue")
    name = answer.member.get_full_name() or answer.member.get_username()
    messages.success(request, f"Recorded: {name} still needs access.")
    return redirect("recertification:queue")


@require_http_methods(["GET", "POST"])
def withdraw_view(request: HttpRequest, member_id: int) -> HttpResponse:
    member = team_member_get(supervisor=request.user, member_id=member_id)
    form = WithdrawalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            recertification_decide(
                supervisor=request.user,
                member_id=member.pk,
                decision=Decision.WITHDRAWN,
                note=form.cleaned_data["note"],
                actor=Actor.from_request(request),
            )
        except RecertificationRefused as refusal:
            form.add_error(None, refusal.reason)
        else:
            name = member.get_full_name() or member.get_username()
            messages.success(request, f"Access withdrawn: {name}'s account is disabled.")
            return redirect("recertification:queue")
    status = 400 if form.errors else 200
    context = {"form": form, "member": member}
    return render(request, "access/recertification/withdraw.html", context, status=status)
