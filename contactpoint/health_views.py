"""Health endpoints, open to anyone (``access.middleware._OPEN_PREFIXES``): what a load
balancer, docker-compose or an operator asks. They say how the service is, never what it holds.

- ``/healthz/live``: this process answers; it reads no session, database or Redis, so it stays
  200 through their outages and only a stuck or dead process fails it (restart that).
- ``/healthz/ready``: every figure of ``contactpoint.health`` as JSON; 503 when one is past its
  limit (do not send people here; see ``docs/operations.md``).
- ``/healthz``: the same verdict in plain words, one line per failing check.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from access.middleware import RETRY_AFTER_SECONDS

from .health import readiness

_WORDS = {
    "postgres": "database unavailable",
    "replica_lag": "read replica is behind",
    "redis": "redis unavailable",
    "audit_seal_lag": "audit sealing is behind",
    "misuse_review_lag": "misuse review is behind",
    "worker_heartbeat": "no celery worker heard from",
}


@require_GET
def live(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def ready(request: HttpRequest) -> HttpResponse:
    state = readiness()
    response = JsonResponse(state.as_dict(), status=200 if state.ready else 503)
    if not state.ready:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Rule (failure is closed; issue 14, finding 4): an event is protected only once sealed,
    so sealing that lags answers 503 here too, as does every other failing check."""
    state = readiness()
    if state.ready:
        return HttpResponse("ok", content_type="text/plain")
    failing = "\n".join(_WORDS[check.name] for check in state.checks if not check.ok)
    response = HttpResponse(failing, content_type="text/plain", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
