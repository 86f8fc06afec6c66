"""Pages for break-glass, access requests and supervisors' decisions. Thin: parse, call the
gateway, render. Every child read here goes through ``access.gateway``."""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.models import AccessRequest
from audit.writer import Actor
from contactpoint.date_input import date_typed
from directory.views import LAST_SEARCH_KEY, PURPOSE_KEY

from ..gateway import SearchRefused
from ..gateway.break_glass import (
    BreakGlassRefused,
    access_grant,
    access_request_for_requester,
    access_request_open,
    access_requests_for_requester,
    break_glass_blockers,
    directory_search,
    request_purpose,
)
from ..gateway.contact_requests import contact_requests_for_requester
from ..gateway.supervision import (
    access_request_judge,
    escalations_for_auditor,
    supervision_item,
    supervision_queue,
)
from ..selectors import organisation_admins_for_user
from ..sign_in.step_up import require_step_up
from .forms import DecisionForm, DirectorySearchForm, EmergencyForm, RequestForm

_REQUEST_SENT = (
    "Your request was sent to {supervisor}. You will get a message in your inbox when they "
    "decide, and it will show here."
)


def _unavailable(request: HttpRequest) -> HttpResponse | None:
    """For a user who could not make a request at all (no supervisor), why not and whom to
    ask, before a code or a form (issue 17, point 3); None for everyone else. A POST still
    goes to the gateway, which refuses it and records the refusal."""
    blockers = break_glass_blockers(user=request.user) if request.method == "GET" else []
    if not blockers:
        return None
    context = {"reasons": blockers, "admins": organisation_admins_for_user(user=request.user)}
    return render(request, "access/break_glass/unavailable.html", context)


def _open_request(request: HttpRequest, *, kind: str, form_class, template: str):
    """The request form. The last unmatched search's criteria (kept in the session by the
    search page, never in a URL) are carried into the request and its directory search."""
    carried = request.session.get(LAST_SEARCH_KEY) or {}
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            access_request = access_request_open(
                user=request.user,
                kind=kind,
                reason=form.cleaned_data["reason"],
                justification=form.cleaned_data["justification"],
                actor=Actor.from_request(request),
                criteria=carried,
            )
        except (BreakGlassRefused, SearchRefused) as refusal:
            for reason in refusal.reasons:
                form.add_error(None, reason)
        else:
            request.session.pop(LAST_SEARCH_KEY, None)
            if kind == AccessRequest.Kind.EMERGENCY:
                return redirect("break_glass:directory_search", request_id=access_request.pk)
            supervisor = request.user.supervisor
            name = supervisor.get_full_name() or supervisor.username
            messages.success(request, _REQUEST_SENT.format(supervisor=name))
            return redirect("break_glass:my_requests")
    born = carried.get("date_of_birth")
    context = {
        "form": form,
        "carried": carried,
        "carried_born": date.fromisoformat(born) if born else None,
        "minimum": settings.JUSTIFICATION_MIN_LENGTH,
        "grant_minutes": settings.GRANT_MINUTES,
        "choose_minutes": settings.GRANT_CHOOSE_WITHIN_MINUTES,
    }
    return render(request, template, context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def break_glass_start(request: HttpRequest) -> HttpResponse:
    return _unavailable(request) or _break_glass_after_step_up(request)


@require_step_up
def _break_glass_after_step_up(request: HttpRequest) -> HttpResponse:
    return _open_request(
        request,
        kind=AccessRequest.Kind.EMERGENCY,
        form_class=EmergencyForm,
        template="access/break_glass/start.html",
    )


@require_http_methods(["GET", "POST"])
def request_access_start(request: HttpRequest) -> HttpResponse:
    return _unavailable(request) or _open_request(
        request,
        kind=AccessRequest.Kind.PLANNED,
        form_class=RequestForm,
        template="access/break_glass/request.html",
    )


def _search_page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    used = context["access_request"].directory_searches
    context["searches_left"] = max(0, settings.BREAK_GLASS_SEARCHES_PER_REQUEST - used)
    return render(request, "access/break_glass/search.html", context, status=status)


@require_GET
def directory_search_view(request: HttpRequest, request_id: int) -> HttpResponse:
    access_request = access_request_for_requester(user=request.user, request_id=request_id)
    context = {"access_request": access_request}
    if not (
        any(request.GET.get(f) for f in ("family_name", "postcode"))
        or date_typed(request.GET, "date_of_birth")
    ):
        # The failed search the request started from, typed once (issue 17, point 3).
        context["form"] = DirectorySearchForm(initial=access_request.criteria)
        return _search_page(request, context)
    form = DirectorySearchForm(request.GET)
    context["form"] = form
    if not form.is_valid():
        return _search_page(request, context, status=400)
    try:
        context["result"] = directory_search(
            user=request.user,
            request=access_request,
            criteria=form.criteria(purpose=request_purpose(access_request) or ""),
            actor=Actor.from_request(request),
        )
    except (BreakGlassRefused, SearchRefused) as refusal:
        context["refusal"] = refusal.reasons
        return _search_page(request, context, status=403)
    return _search_page(request, context)


@require_POST
def grant_view(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        access_request = access_request_for_requester(user=request.user, request_id=request_id)
        granted = access_grant(
            user=request.user,
            request=access_request,
            public_id=request.POST.get("public_id", "")[:32],
            actor=Actor.from_request(request),
        )
    except BreakGlassRefused as refusal:
        return render(request, "directory/refused.html", {"reasons": refusal.reasons}, status=403)
    return redirect(_record_url(request, granted))


def _record_url(request: HttpRequest, granted: AccessRequest) -> str:
    """The granted record, opened with the purpose the request had (rule: purpose). A request
    whose reason names no purpose opens the purpose question, whatever was last searched for."""
    record = reverse("directory:record", args=[granted.child.public_id])
    purpose = request_purpose(granted)
    if purpose is None:
        request.session.pop(PURPOSE_KEY, None)
        return record
    return f"{record}?purpose={purpose}"


@require_GET
def my_requests(request: HttpRequest) -> HttpResponse:
    requests = access_requests_for_requester(user=request.user)
    for access_request in requests:
        access_request.record_purpose = request_purpose(access_request) or ""
    context = {
        "requests": requests,
        "now": timezone.now(),
        "contact_requests": contact_requests_for_requester(user=request.user),
    }
    return render(request, "access/break_glass/my_requests.html", context)


@require_GET
def supervision_queue_view(request: HttpRequest) -> HttpResponse:
    show_all = request.GET.get("show") == "all"
    items = supervision_queue(
        supervisor=request.user, actor=Actor.from_request(request), include_done=show_all
    )
    return render(request, "access/supervision/queue.html", {"items": items, "show_all": show_all})


@require_http_methods(["GET", "POST"])
def supervision_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            judged = access_request_judge(
                judge=request.user,
                request_id=request_id,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
                actor=actor,
            )
        except BreakGlassRefused as refusal:
            for reason in refusal.reasons:
                form.add_error(None, reason)
        else:
            messages.success(request, _judged_message(judged, form.cleaned_data["decision"]))
            return redirect("break_glass:supervision")
    item = supervision_item(judge=request.user, request_id=request_id, actor=actor)
    status = 400 if form.errors else 200
    return render(
        request, "access/supervision/detail.html", {"item": item, "form": form}, status=status
    )


_JUDGED = {
    "endorse": "You endorsed {name}'s emergency access. Your decision is recorded.",
    "reject": "You rejected {name}'s emergency access. An auditor was told and will review it.",
    "approve": "You approved {name}'s request. They have been told, and have {minutes} minutes to "
    "find the child.",
    "decline": "You declined {name}'s request. They have been told, with your note.",
}


def _judged_message(judged: AccessRequest, decision: str) -> str:
    requester = judged.requester
    name = requester.get_full_name() or requester.username
    return _JUDGED[decision].format(name=name, minutes=settings.GRANT_CHOOSE_WITHIN_MINUTES)


@require_GET
def escalations_view(request: HttpRequest) -> HttpResponse:
    items = escalations_for_auditor(user=request.user, actor=Actor.from_request(request))
    return render(request, "access/supervision/escalations.html", {"items": items})
