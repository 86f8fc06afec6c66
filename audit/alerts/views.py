"""Pages for reviewing misuse alerts: the queue, one alert, the auditors' dashboard.

Thin, like the other views: parse input, call one selector or service, render. Signing in
with a second factor and ``Cache-Control: no-store`` come from middleware for every page.
Anyone who may not see a page or an alert gets the shared 404, the same body as a missing
id; an audit write that fails gets the 503 and no data.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from directory.views import not_found

from ..writer import Actor
from .charts import OUTCOME_COLOURS, stacked_bars
from .forms import AlertDecisionForm, AlertFilterForm, DashboardForm
from .selectors import (
    AUDITOR,
    alert_detail,
    alert_get_for_reviewer,
    alert_queue_page,
    alert_reviewer_kind,
    misuse_dashboard,
)
from .services import AlertDecisionRefused, alert_decide


@require_GET
def alert_queue(request: HttpRequest) -> HttpResponse:
    kind = alert_reviewer_kind(request.user)
    if kind is None:
        return not_found(request, None)
    form = AlertFilterForm(request.GET, default_status="active" if kind == AUDITOR else "open")
    context = {"form": form, "auditor": kind == AUDITOR, "status": form.chosen_status()}
    if not form.is_valid():
        return render(request, "audit/alerts/queue.html", context)
    context["page"] = alert_queue_page(
        reviewer=request.user,
        filters=form.filters(),
        page_number=form.page_number(),
        actor=Actor.from_request(request),
    )
    context["query"] = _query_without_page(request)
    context["page_links"] = list(
        context["page"].paginator.get_elided_page_range(
            context["page"].number, on_each_side=2, on_ends=1
        )
    )
    return render(request, "audit/alerts/queue.html", context)


@require_http_methods(["GET", "POST"])
def alert_detail_view(request: HttpRequest, alert_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    alert = alert_get_for_reviewer(reviewer=request.user, alert_id=alert_id)
    form = AlertDecisionForm(request.POST or None, may_escalate=not alert.for_auditors)
    if request.method == "POST" and form.is_valid():
        try:
            decided = alert_decide(
                alert=alert,
                reviewer=request.user,
                action=form.cleaned_data["action"],
                note=form.cleaned_data["note"],
                suspend=form.cleaned_data["suspend"],
                actor=actor,
            )
        except AlertDecisionRefused as refusal:
            form.add_error(None, refusal.reason)
        else:
            messages.success(request, _decided_message(decided, form.cleaned_data["suspend"]))
            if alert_reviewer_kind(request.user) == AUDITOR or decided.assignee_id:
                return redirect("audit:alert_detail", alert_id=decided.pk)
            return redirect("audit:alert_queue")
    detail = alert_detail(reviewer=request.user, alert_id=alert_id, actor=actor)
    status = 400 if form.errors else 200
    return render(
        request, "audit/alerts/detail.html", {"detail": detail, "form": form}, status=status
    )


def _decided_message(alert, suspended: bool) -> str:
    if alert.status == alert.Status.ESCALATED:
        return f"Alert {alert.pk} escalated to the auditors."
    text = f"Alert {alert.pk} closed: {alert.get_outcome_display().lower()}."
    return text + (" The account is suspended." if suspended else "")


@require_GET
def misuse_dashboard_view(request: HttpRequest) -> HttpResponse:
    if alert_reviewer_kind(request.user) != AUDITOR:
        return not_found(request, None)
    form = DashboardForm(request.GET)
    bucket = form.bucket() if form.is_valid() else "week"
    dashboard = misuse_dashboard(
        reviewer=request.user, bucket=bucket, actor=Actor.from_request(request)
    )
    date_format = "%-d %b"
    context = {
        "form": form,
        "dashboard": dashboard,
        "detector_chart": stacked_bars(dashboard.by_detector, date_format=date_format),
        "outcome_chart": stacked_bars(
            dashboard.by_outcome, date_format=date_format, colours=OUTCOME_COLOURS
        ),
    }
    return render(request, "audit/alerts/dashboard.html", context)


def _query_without_page(request: HttpRequest) -> str:
    """The filters as a query string, for the pagination links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
