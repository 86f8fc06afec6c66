"""Pages about the lookup log. Thin: parse input, call one selector or gateway function,
render. The who-viewed report reads a child, so it goes through ``access.gateway``."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from access.gateway import child_viewers_report
from access.gateway.own_lookups import own_lookups_named
from access.models import Role
from access.sign_in.step_up import require_step_up
from audit.writer import Actor
from directory.views import GATEWAY_ERRORS, gateway_error_response, not_found

from .report_forms import PUBLIC_ID, ChildIdForm, DisclosureForm
from .selectors import access_event_list_for_actor, access_event_list_for_team


@require_GET
def my_lookups(request: HttpRequest) -> HttpResponse:
    """The user's own lookups, the children they opened named while still in their scope
    (``access.gateway.own_lookups`` says what is safe to name and why)."""
    events = list(access_event_list_for_actor(actor_id=request.user.pk))
    names = own_lookups_named(user=request.user, events=events, actor=Actor.from_request(request))
    rows = [(event, names.get(event.child_public_id, "")) for event in events]
    return render(request, "audit/my_lookups.html", {"rows": rows})


@require_GET
def team_lookups(request: HttpRequest) -> HttpResponse:
    """A supervisor's view of the lookups made by the people they supervise.

    Shows who, when, why and how many results, never what was searched for or which child:
    supervisors must not read child data, and this page is not itself a lookup.
    """
    team = {member.pk: member for member in request.user.team.order_by("username")}
    events = access_event_list_for_team(member_ids=list(team)) if team else []
    rows = [(event, team.get(event.actor_id)) for event in events]
    return render(request, "audit/team_lookups.html", {"team": team.values(), "rows": rows})


@require_GET
def child_viewers_start(request: HttpRequest) -> HttpResponse:
    """Where a data manager enters the ContactPoint ID of a subject access request."""
    if request.user.role != Role.DATA_MANAGER:
        return not_found(request, None)
    if "public_id" not in request.GET:
        return render(request, "audit/child_viewers_start.html", {"form": ChildIdForm()})
    form = ChildIdForm(request.GET)
    if not form.is_valid():
        return render(request, "audit/child_viewers_start.html", {"form": form}, status=400)
    return redirect("audit:child_viewers", public_id=form.cleaned_data["public_id"])


def _lookup_id(public_id: str) -> str:
    return public_id if PUBLIC_ID.match(public_id) else public_id[:32]


def _report_page(request: HttpRequest, public_id: str, disclosure_reason: str = ""):
    try:
        report = child_viewers_report(
            user=request.user,
            public_id=_lookup_id(public_id),
            actor=Actor.from_request(request),
            disclosure_reason=disclosure_reason,
        )
    except GATEWAY_ERRORS as error:
        return gateway_error_response(request, error)
    return render(request, "audit/child_viewers.html", {"report": report})


@require_GET
def child_viewers(request: HttpRequest, public_id: str) -> HttpResponse:
    """The report as it may be handed to a family: no trace of confidential services."""
    return _report_page(request, public_id)


@require_http_methods(["GET", "POST"])
def child_viewers_confidential(request: HttpRequest, public_id: str) -> HttpResponse:
    """The report with confidential services' lookups: a reason and a fresh second factor
    first (rule: cloaking). Only data managers are asked; anyone else gets the shared 404."""
    if request.user.role != Role.DATA_MANAGER:
        return not_found(request, None)
    return _confidential(request, public_id)


@require_step_up
def _confidential(request: HttpRequest, public_id: str) -> HttpResponse:
    form = DisclosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _report_page(request, public_id, form.cleaned_data["reason"])
    context = {"form": form, "public_id": _lookup_id(public_id)}
    status = 400 if form.errors else 200
    return render(request, "audit/child_viewers_confidential.html", context, status=status)
