"""The OpenAPI schema: served at /api/v1/schema/ without credentials (it holds no data), and
the copy committed in docs/api/openapi.yaml is the one the code generates, so the document
people and generated clients read cannot drift from the API."""

from pathlib import Path

import yaml
from django.core.management import call_command
from django.test import Client

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.yaml"


def test_the_committed_schema_is_the_generated_one(tmp_path, db):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(generated))
    assert generated.read_text() == COMMITTED.read_text(), (
        "docs/api/openapi.yaml is stale: regenerate it with "
        "`python manage.py spectacular --validate --file docs/api/openapi.yaml`"
    )


def test_it_serves_the_committed_schema(db):
    response = Client().get("/api/v1/schema/")
    assert response.status_code == 200
    assert yaml.safe_load(response.content) == yaml.safe_load(COMMITTED.read_text())


def test_every_operation_needs_both_parties():
    schema = yaml.safe_load(COMMITTED.read_text())
    api_operations = [
        operation
        for path, methods in schema["paths"].items()
        if path != "/api/v1/schema/"
        for operation in methods.values()
    ]
    assert api_operations
    for operation in api_operations:
        assert operation["security"] == [{"connectingSystem": ["api"], "practitionerToken": []}]


def test_the_system_scheme_is_oauth_client_credentials_at_the_routed_token_endpoint():
    """A vendor's OAuth library reads the token address from the schema: it must be the one
    the API serves."""
    from django.urls import reverse

    scheme = yaml.safe_load(COMMITTED.read_text())["components"]["securitySchemes"]
    flow = scheme["connectingSystem"]["flows"]["clientCredentials"]
    assert scheme["connectingSystem"]["type"] == "oauth2"
    assert flow["tokenUrl"] == reverse("api:oauth_token")
    assert scheme["practitionerToken"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Practitioner-Token",
        "description": scheme["practitionerToken"]["description"],
    }


def test_the_reference_page_lists_every_operation(db):
    page = Client().get("/api/v1/reference/").content.decode()
    for path in yaml.safe_load(COMMITTED.read_text())["paths"]:
        assert path in page
