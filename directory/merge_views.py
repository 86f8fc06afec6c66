"""Pages for merging two records of one child and undoing it: thin; the rules live in
``access.gateway.merges``."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.gateway.merges import (
    MergeNotFound,
    MergeRefused,
    child_merge,
    child_unmerge,
    merge_compare,
    merges_allowed,
    merges_of_authority,
)
from audit.writer import Actor

from .views import not_found


class MergeStartForm(forms.Form):
    first = forms.CharField(
        label="ContactPoint ID of one record", max_length=32,
        error_messages={"required": "Enter the ContactPoint ID of one record"},
    )  # fmt: skip
    second = forms.CharField(
        label="ContactPoint ID of the other", max_length=32,
        error_messages={"required": "Enter the ContactPoint ID of the other record"},
    )  # fmt: skip


class MergeForm(forms.Form):
    kept = forms.CharField(max_length=32, error_messages={"required": "Choose the record to keep"})
    reason = forms.CharField(
        label="Why are these the same child?", max_length=1000, widget=forms.Textarea,
        error_messages={"required": "Say why these are the same child"},
    )  # fmt: skip


class UndoForm(forms.Form):
    reason = forms.CharField(
        label="Why was the merge wrong?", max_length=1000,
        error_messages={"required": "Say why the merge was wrong"},
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def merge_start(request: HttpRequest) -> HttpResponse:
    """Two IDs in; the two records side by side with the merge form; the merge on POST."""
    if not merges_allowed(request.user):
        return not_found(request, None)
    posted = request.method == "POST"
    start = MergeStartForm(
        request.POST if posted else request.GET if "first" in request.GET else None
    )
    if not (start.is_bound and start.is_valid()):
        return _start_page(request, start)
    first, second = start.cleaned_data["first"].strip(), start.cleaned_data["second"].strip()
    actor = Actor.from_request(request)
    form = MergeForm(request.POST if posted else None)
    try:
        if posted and form.is_valid():
            kept = form.cleaned_data["kept"]
            try:
                child_merge(
                    user=request.user, kept=kept, merged=second if kept == first else first,
                    reason=form.cleaned_data["reason"], actor=actor,
                )  # fmt: skip
            except MergeRefused as refusal:
                form.add_error(None, " ".join(refusal.reasons))
            else:
                return redirect("feed_reviews:merges")
        sides = merge_compare(user=request.user, first=first, second=second, actor=actor)
    except MergeNotFound:
        start.add_error(None, "No two records of your authority have these ContactPoint IDs")
        return _start_page(request, start)
    context = {"sides": sides, "form": form, "first": first, "second": second}
    return render(request, "feeds/merge.html", context, status=400 if form.errors else 200)


def _start_page(request: HttpRequest, form: MergeStartForm) -> HttpResponse:
    status = 400 if form.errors else 200
    return render(request, "feeds/merge_start.html", {"form": form}, status=status)


@require_GET
def merge_list(request: HttpRequest) -> HttpResponse:
    merges = merges_of_authority(user=request.user)
    return render(request, "feeds/merges.html", {"merges": merges, "form": UndoForm()})


@require_POST
def merge_undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    form = UndoForm(request.POST)
    if form.is_valid():
        child_unmerge(
            user=request.user, merge_id=merge_id, reason=form.cleaned_data["reason"],
            actor=Actor.from_request(request),
        )  # fmt: skip
        return redirect("feed_reviews:merges")
    merges = merges_of_authority(user=request.user)
    return render(request, "feeds/merges.html", {"merges": merges, "form": form}, status=400)
