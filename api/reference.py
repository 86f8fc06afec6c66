"""The API reference for people: the served OpenAPI schema, rendered as a page.

Built from the same schema as ``/api/v1/schema/``, so the words people read cannot drift from
what the API does. No child data, so anyone may read it, like ``/info/``.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.generators import SchemaGenerator

from .authentication import PRACTITIONER_TOKEN_HEADER


@require_GET
def reference(request: HttpRequest) -> HttpResponse:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        {
            "method": method.upper(),
            "path": path,
            "summary": operation.get("summary", ""),
            "description": operation.get("description", ""),
            "parameters": operation.get("parameters", []),
            "responses": sorted(operation.get("responses", {}).items()),
        }
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    context = {
        "info": schema["info"],
        "operations": operations,
        "practitioner_header": PRACTITIONER_TOKEN_HEADER,
        "system_token_minutes": settings.API_SYSTEM_TOKEN_SECONDS // 60,
    }
    return render(request, "api/reference.html", context)
