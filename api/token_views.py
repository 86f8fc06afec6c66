"""The page where a practitioner lets their organisation's system act for them.

Rule (two parties, second factor recently): the token is issued only on a session whose
second factor was verified within ``STEP_UP_SECONDS`` (signing in counts, as for
break-glass), lasts ``API_USER_TOKEN_MINUTES``, works only with the one system chosen, and
is shown once. The connecting system never sees the practitioner's password or code.
"""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from access.sign_in.step_up import require_step_up
from audit.writer import Actor

from .selectors import api_clients_for_user
from .services import TokenRefused, api_token_issue, api_tokens_revoke


@require_http_methods(["GET", "POST"])
@require_step_up
def api_access(request: HttpRequest) -> HttpResponse:
    clients = api_clients_for_user(user=request.user)
    context = {"clients": clients, "minutes": settings.API_USER_TOKEN_MINUTES}
    if request.method == "POST":
        if "stop_all" in request.POST:
            stopped = api_tokens_revoke(user=request.user)
            messages.success(request, f"{stopped} token(s) stopped.")
            return redirect("api_access")
        client = clients.filter(client_id=request.POST.get("client", "")).first()
        if client is None:
            context["error"] = "Choose one of your organisation's systems."
            return render(request, "api/access.html", context, status=400)
        try:
            token = api_token_issue(
                user=request.user, client=client, actor=Actor.from_request(request)
            )
        except TokenRefused as refused:
            context["error"] = str(refused)
            return render(request, "api/access.html", context, status=403)
        context.update(token=token, chosen=client)
    return render(request, "api/access.html", context)
