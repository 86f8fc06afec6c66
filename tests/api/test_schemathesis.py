"""The API tested by its own schema (issue 19): schemathesis generates calls from the served
OpenAPI document, valid and invalid, and runs every built-in check on each answer, plus one
of ours: no answer ever carries anything of a child outside the practitioner's scope.

The calls go through Django's WSGI handler in the test's transaction, with both parties'
credentials for alice (school A), so positive calls reach the gateway for real.

One allowance, stated rather than hidden: the schema cannot say "a date from 1990 to today"
(OpenAPI has no range for dates), so a schema-valid date outside it is answered 400 like on
the page. ``positive_data_acceptance`` therefore accepts 400, and our check
``only_what_the_page_refuses_is_refused`` makes sure such a 400 names ``date_of_birth``, or
a name or postcode the page's form refuses as well: any other field refused is a failure.

Names and postcodes have one rule, the search page's form's; the schema names it as a format
(``person-name``, ``uk-postcode``) because a JSON Schema pattern cannot say "a letter of any
script". Schemathesis is taught those formats below: it draws candidates of the right shape
and keeps those the page's own form accepts, so the rule is not written a second time here.
"""

import json
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from api.serializers import PERSON_NAME_FORMAT, POSTCODE_FORMAT
from directory.forms import ChildSearchForm

from .conftest import headers_for, registered_client, token_for

_PAGE_RULED = {"family_name", "given_name", "postcode"}


def _page_accepts(field: str, value: str) -> bool:
    form = ChildSearchForm({"family_name": "Ab", "purpose": "referral", field: value})
    return form.is_valid()


# Candidates: words of letters of any script (Python's ``[^\W\d_]``), or postcode shapes in
# any case and spacing; the page's form decides which are valid.
schemathesis.openapi.format(
    PERSON_NAME_FORMAT,
    st.from_regex(r"[^\W\d_]{1,12}(['\- ][^\W\d_]{1,12}){0,2}", fullmatch=True).filter(
        lambda name: _page_accepts("family_name", name)
    ),
)
schemathesis.openapi.format(
    POSTCODE_FORMAT,
    st.from_regex(
        r"[A-Za-z]{1,2}[0-9][A-Za-z0-9]?( {0,2}[0-9][A-Za-z]{2})?", fullmatch=True
    ).filter(lambda postcode: _page_accepts("postcode", postcode)),
)

_CONFIG = """
[checks]
positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "429"]

[generation]
max-examples = {examples}
"""
# Filled by the ``api_schema`` fixture for the checks below (schemathesis calls checks
# without fixtures): what alice must never see.
OUTSIDE: dict[str, list[str]] = {"strings": []}


@schemathesis.check
def nothing_outside_scope(ctx, response, case):
    """Rule (scope): no answer names, dates or places a child alice may not see."""
    text = response.text
    leaked = [value for value in OUTSIDE["strings"] if value in text]
    if leaked:
        raise AssertionError(f"an answer carries an out-of-scope child's data: {leaked}")


@schemathesis.check
def only_what_the_page_refuses_is_refused(ctx, response, case):
    """A schema-valid query refused (400) only for a date outside 1990..today, or for a name
    or postcode that the search page's own form refuses too. Schemathesis's coverage phase
    draws values that ignore the custom formats (``500.html`` as a name): the page decides."""
    meta = case.meta
    if response.status_code != 400 or meta is None or not meta.generation.mode.is_positive:
        return
    errors = set(json.loads(response.text).get("errors", {}))
    query = case.query or {}
    wrongly = [
        field
        for field in errors
        if field != "date_of_birth"
        and not (field in _PAGE_RULED and not _page_accepts(field, str(query.get(field, ""))))
    ]
    if wrongly:
        raise AssertionError(f"valid data refused: {sorted(wrongly)}")


@contextmanager
def _connections_kept():
    """As Django's test client does: the handler must not close the test's connection (and
    its transaction) at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


EXAMPLES = 60
# Loaded from the served schema, through the WSGI handler, when this module is collected
# (the schema needs no database). ``schemathesis.pytest.from_fixture`` would load it per test,
# but does not run under pytest 9 (it sets ``Node._nodeid``, which pytest 9 removed).
with _connections_kept():
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/",
        WSGIHandler(),
        config=SchemathesisConfig.from_str(_CONFIG.format(examples=EXAMPLES)),
    )


@pytest.fixture
def alice_headers(world, settings):
    """Both parties' credentials for alice, with limits the examples cannot reach; what she
    must never see is noted for ``nothing_outside_scope``. The system's access token is
    fetched before the connections are kept open: Django's test client, which fetches it,
    reconnects the signal that closes them."""
    settings.API_USER_RATE_LIMIT = settings.API_CLIENT_RATE_LIMIT = 10**6
    settings.LOOKUP_RATE_LIMIT = 10**6
    # Schemathesis sends calls without credentials on purpose; they must not lock alice out.
    settings.API_AUTH_FAILURE_LIMIT_PER_ADDRESS = 10**6
    settings.API_AUTH_FAILURE_LIMIT_PER_CLIENT = 10**6
    registered = registered_client(world.school_a)
    wsgi = headers_for(registered, token_for(world.alice, registered))
    kent = world.kent_child
    OUTSIDE["strings"] = [kent.public_id, kent.given_name, kent.town, kent.postcode]
    with _connections_kept():
        yield {
            "Authorization": wsgi["HTTP_AUTHORIZATION"],
            "X-Practitioner-Token": wsgi["HTTP_X_PRACTITIONER_TOKEN"],
        }
    OUTSIDE["strings"] = []


@schema.parametrize()
# Derandomized: the same cases every run, so CI does not depend on a lucky draw; change
# the code or the schema and the cases change with it.
@settings(suppress_health_check=list(HealthCheck), deadline=None, derandomize=True)
def test_the_api_keeps_its_schema(case, alice_headers):
    case.call_and_validate(
        headers=alice_headers,
        additional_checks=[nothing_outside_scope, only_what_the_page_refuses_is_refused],
    )


def test_an_out_of_scope_record_answers_as_a_missing_one(alice_headers, world):
    """The leak check on the one call that matters most, with every built-in check: the
    record of a child outside scope, beside one that does not exist."""
    operation = schema["/api/v1/children/{public_id}/"]["GET"]
    answers = []
    for public_id in (world.kent_child.public_id, "a" * 26):
        case = operation.Case(
            path_parameters={"public_id": public_id}, query={"purpose": "referral"}
        )
        response = case.call_and_validate(
            headers=alice_headers, additional_checks=[nothing_outside_scope]
        )
        answers.append((response.status_code, response.headers, response.content))
    assert answers[0][0] == answers[1][0] == 404
    assert answers[0][2] == answers[1][2]
