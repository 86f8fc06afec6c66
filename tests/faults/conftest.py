"""The fault suite's stack (``services.private_stack``: a private PostgreSQL and Redis,
migrated, with a small world, and the web server as ``make run`` starts it, all on free
ports), built once for the session; and someone signed in to it (``client.Person``)."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from .client import Answer, Person, events_unmatched, search_events
from .services import answers_live, private_stack, wait_until


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[SimpleNamespace]:
    with private_stack(
        tmp_path_factory.mktemp("faults"),
        LOOKUP_RATE_LIMIT="1000000",
        CELERY_VISIBILITY_TIMEOUT_SECONDS="3",
        CELERY_UNACKED_RESTORE_SECONDS="1",
    ) as built:
        yield built


@pytest.fixture(scope="session")
def signed_in(stack) -> Person:
    """Signed in once: a TOTP code works once, and a case must not wait half a minute for the
    next. The session lives in Redis, whose append-only file keeps it."""
    someone = Person(stack.base, stack.world)
    someone.sign_in()
    return someone


@pytest.fixture
def person(stack, signed_in) -> Person:
    """The signed-in person with no answers yet, once the web server answers again."""
    wait_until(lambda: answers_live(stack.base), seconds=30)
    signed_in.answers.clear()
    return signed_in


def audit_invariant(stack, person: Person) -> None:
    """Rule (audit before data): every response that showed the child has exactly one audit
    event, and no event lies outside some request of theirs (``client.events_unmatched``)."""
    events = search_events(
        stack.postgres,
        user_id=stack.world["user_id"],
        public_id=stack.world["child"]["public_id"],
    )
    wrong, stray = events_unmatched(events, person.answers)
    assert not wrong, f"responses that showed the child without exactly one event: {wrong}"
    assert not stray, f"events outside every request: {stray}"


def assert_unavailable_page(answer: Answer) -> None:
    """The service's own 503: GOV.UK wording, Retry-After, no trace of the failure."""
    assert answer.status == 503, answer
    assert answer.retry_after == "30"
    assert not answer.showed_child
    assert "Try again in a few minutes" in answer.page
    assert "Traceback" not in answer.page and "psycopg2" not in answer.page
