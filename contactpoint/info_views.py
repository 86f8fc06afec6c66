"""Help, accessibility statement and privacy notice: the pages the footer links to.

Open before sign-in (``access.middleware._OPEN_PREFIXES``): someone who cannot sign in needs to
know whom to ask, and the accessibility statement and privacy notice must be readable by
anyone asked to use the service. They show nothing of any child; the help page names the
signed-in user's organisation administrators, as the break-glass page already does.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from access.selectors import organisation_admins_for_user
from directory.retention import DESTROY_AFTER_YEARS


def _service_contact() -> dict:
    return {"support_email": settings.SERVICE_SUPPORT_EMAIL}


@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    admins = []
    if request.user.is_authenticated and request.user.is_verified():
        admins = organisation_admins_for_user(user=request.user)
    return render(request, "info/help.html", {"admins": admins, **_service_contact()})


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "info/accessibility.html", _service_contact())


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    context = {
        "idle_days": settings.ACCOUNT_IDLE_DAYS,
        "session_minutes": settings.SESSION_COOKIE_AGE // 60,
        "destroy_after_years": DESTROY_AFTER_YEARS,
        **_service_contact(),
    }
    return render(request, "info/privacy.html", context)
