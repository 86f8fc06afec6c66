"""Pages about the lookup log."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .selectors import access_event_list_for_actor


@require_GET
def my_lookups(request: HttpRequest) -> HttpResponse:
    events = access_event_list_for_actor(actor_id=request.user.pk)
    return render(request, "audit/my_lookups.html", {"events": events})
