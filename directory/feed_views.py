"""The feeds pages of a local authority's data managers: upload a file, watch it import, read
the result. Thin: parse, call ``directory.feeds.uploads``, render. Who may see what is
decided there (``feeds_authority``, ``feed_upload_get``)."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from audit.writer import Actor
from directory.models import FeedSource, FeedUpload
from directory.views import not_found

from .feeds.service import error_report_csv
from .feeds.uploads import (
    FeedsNotAllowed,
    FeedsRefused,
    UploadTooLarge,
    feed_upload_errors,
    feed_upload_get,
    feed_upload_queue,
    feed_uploads_recent,
    feeds_authority,
    too_large_message,
)

# A rejected file's page lists this many problems; the CSV has them all.
SHOWN_ERRORS = 50
# Seconds between reloads of an upload's page while it waits or runs.
REFRESH_SECONDS = 2


class FeedUploadForm(forms.Form):
    source = forms.ChoiceField(
        label="Which feed is it?",
        choices=FeedSource.choices,
        error_messages={"required": "Select which feed the file comes from"},
    )
    file = forms.FileField(
        label="Upload a file",
        error_messages={
            "required": "Select a CSV file to upload",
            "empty": "The selected file is empty",
        },
    )

    def clean_file(self):
        """Refused before anything is stored or queued: the bytes would wait in the
        database for the worker."""
        upload = self.cleaned_data["file"]
        if upload.size > settings.FEED_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(too_large_message(upload.size))
        return upload


def data_manager_only(view):
    """Not a local authority's data manager: 404 (nothing about feeds leaks). A data manager
    whose vetting has lapsed: 403 with the reasons. Otherwise the view gets the authority."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            authority = feeds_authority(
                user=request.user,
                actor=Actor.from_request(request),
                today=timezone.localdate(),
            )
        except FeedsNotAllowed:
            return not_found(request, None)
        except FeedsRefused as refusal:
            context = {"reasons": refusal.reasons}
            return render(request, "feeds/refused.html", context, status=403)
        return view(request, authority, *args, **kwargs)

    return wrapper


@require_http_methods(["GET", "POST"])
@data_manager_only
def feeds(request: HttpRequest, authority: int) -> HttpResponse:
    form = FeedUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            upload = feed_upload_queue(
                user=request.user,
                source=form.cleaned_data["source"],
                filename=file.name,
                data=file.read(),
            )
        except UploadTooLarge as error:
            form.add_error("file", str(error))
        else:
            return redirect("feeds:upload", upload_id=upload.pk)
    context = {
        "form": form,
        "uploads": feed_uploads_recent(local_authority_id=authority),
        "max_size": filesizeformat(settings.FEED_UPLOAD_MAX_BYTES),
    }
    return render(request, "feeds/uploads.html", context, status=400 if form.errors else 200)


@require_GET
@data_manager_only
def upload(request: HttpRequest, authority: int, upload_id: int) -> HttpResponse:
    try:
        item = feed_upload_get(local_authority_id=authority, upload_id=upload_id)
    except FeedUpload.DoesNotExist:
        return not_found(request, None)
    errors = feed_upload_errors(item)
    context = {
        "upload": item,
        "counts": item.batch.counts if item.batch else {},
        "errors": errors[:SHOWN_ERRORS],
        "error_count": len(errors),
        "refresh_seconds": REFRESH_SECONDS,
    }
    response = render(request, "feeds/upload.html", context)
    if not item.finished:
        # The HTTP form of <meta http-equiv="refresh">: base.html has no place in <head> for
        # a page's own meta, and the CSP forbids the inline script a poller would need.
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@require_GET
@data_manager_only
def upload_errors(request: HttpRequest, authority: int, upload_id: int) -> HttpResponse:
    try:
        item = feed_upload_get(local_authority_id=authority, upload_id=upload_id)
    except FeedUpload.DoesNotExist:
        return not_found(request, None)
    errors = feed_upload_errors(item)
    if not errors:
        return not_found(request, None)
    response = HttpResponse(error_report_csv(errors), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="feed-upload-{item.pk}-error-report.csv"'
    )
    return response
