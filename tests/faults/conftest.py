"""The fault suite's stack: a private PostgreSQL and Redis (``services.py``), migrated, with a
small world, and the web server as ``make run`` starts it, all on free ports; one for the
session, torn down after it.

``Person`` is someone signed in through the real sign-in pages who searches for the child
they may see, one request at a time, and keeps what each response was: when it was sent and
answered, its status, whether it showed the child, and its page. One at a time, so that each
response's audit event can be told apart by when it was written (``audit_invariant``).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace

import pyotp
import pytest
import requests

from contactpoint.stack_common import ROOT, free_port

from .services import (
    PrivatePostgres,
    PrivateRedis,
    application_environment,
    gunicorn,
    wait_until,
)

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Longer than the slowest answer a frozen dependency may cost (settings: the web process's
# WEB_DATABASE_SILENCE_SECONDS and DATABASE_CONNECT_TIMEOUT_SECONDS, 6 + 2 s).
CLIENT_TIMEOUT_SECONDS = 40


@dataclass
class Answer:
    sent: float
    received: float
    status: int | str  # the status, or the name of the error when nothing came back
    showed_child: bool
    page: str = ""
    retry_after: str | None = None

    @property
    def seconds(self) -> float:
        return self.received - self.sent


@dataclass
class Person:
    base: str
    world: dict
    session: requests.Session = field(default_factory=requests.Session)
    answers: list[Answer] = field(default_factory=list)

    def sign_in(self) -> None:
        self._post("/accounts/login/", username=self.world["username"],
                   password=self.world["password"])  # fmt: skip
        self._post("/accounts/second-factor/",
                   otp_token=pyotp.TOTP(self.world["totp_secret"]).now())  # fmt: skip
        assert self.search().showed_child, "sign-in did not reach the search"

    def _post(self, path: str, **fields) -> requests.Response:
        page = self.session.get(self.base + path, timeout=CLIENT_TIMEOUT_SECONDS)
        token = _CSRF.search(page.text).group(1)
        return self.session.post(
            self.base + path,
            data={**fields, "csrfmiddlewaretoken": token},
            headers={"Referer": self.base + path},
            timeout=CLIENT_TIMEOUT_SECONDS,
        )

    def search(self) -> Answer:
        child = self.world["child"]
        criteria = {
            "family_name": child["family_name"],
            "date_of_birth": child["date_of_birth"],
            "purpose": "current_involvement",
        }
        sent = time.time()
        try:
            response = self.session.get(
                self.base + "/search/",
                params=criteria,
                timeout=CLIENT_TIMEOUT_SECONDS,
                allow_redirects=False,
            )
        except requests.RequestException as error:
            answer = Answer(sent, time.time(), type(error).__name__, False)
        else:
            answer = Answer(
                sent,
                time.time(),
                response.status_code,
                response.status_code == 200 and child["public_id"] in response.text,
                response.text,
                response.headers.get("Retry-After"),
            )
        self.answers.append(answer)
        return answer

    def search_until(self, predicate, *, seconds: float) -> float:
        """Search again and again until an answer satisfies ``predicate``; how long it took."""
        started = time.monotonic()
        while not predicate(self.search()):
            assert time.monotonic() - started < seconds, f"no such answer in {seconds} s"
            time.sleep(0.1)
        return time.monotonic() - started


def get(base: str, path: str) -> requests.Response:
    return requests.get(base + path, timeout=CLIENT_TIMEOUT_SECONDS)


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[SimpleNamespace]:
    """Everything private, built once; ~20 s on an idle machine (most of it ``migrate``)."""
    logs = tmp_path_factory.mktemp("faults")
    postgres = PrivatePostgres.create()
    redis = PrivateRedis.create()
    web = None
    try:
        environment = application_environment(
            postgres,
            redis,
            LOOKUP_RATE_LIMIT="1000000",
            CELERY_VISIBILITY_TIMEOUT_SECONDS="3",
            CELERY_UNACKED_RESTORE_SECONDS="1",
        )
        owner = {**environment, "DATABASE_URL": postgres.owner_url}
        _run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], owner)
        world = json.loads(_run([sys.executable, "-m", "tests.faults.world"], owner))
        port = free_port()
        web = gunicorn(environment, port, logs / "web.log")
        web.start()
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _answers(base), seconds=60)
        yield SimpleNamespace(
            postgres=postgres,
            redis=redis,
            web=web,
            base=base,
            world=world,
            environment=environment,
            logs=logs,
            run=lambda command: _run(command, environment),
            run_manage=lambda args: _run([sys.executable, "manage.py", *args], environment),
        )
    finally:
        if web:
            web.stop()
        redis.close()
        postgres.close()


def _run(command: list[str], environment: dict) -> str:
    result = subprocess.run(  # noqa: S603 - fixed argument lists built in this suite
        command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{command}: {result.stdout}\n{result.stderr}"
    return result.stdout


def _answers(base: str) -> bool:
    try:
        return get(base, "/healthz/live").status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture(scope="session")
def signed_in(stack) -> Person:
    """Signed in once: a TOTP code works once, and a case must not wait half
    a minute for the next. The session lives in Redis, whose append-only file keeps it."""
    someone = Person(stack.base, stack.world)
    someone.sign_in()
    return someone


@pytest.fixture
def person(stack, signed_in) -> Person:
    """The signed-in person with no answers yet, once the web server answers again."""
    wait_until(lambda: _answers(stack.base), seconds=30)
    signed_in.answers.clear()
    return signed_in


def audit_invariant(stack, person: Person) -> None:
    """Every response that showed the child has exactly one audit event (a search by this
    person, the child among its results, written between the request and its answer), and no
    event lies outside some request of theirs. An event may belong to a request that got no
    data (the audit committed, then the dependency failed): more was recorded than shown,
    never less."""
    events = [
        when.timestamp()
        for (when,) in stack.postgres.query(
            "SELECT occurred_at FROM audit_accessevent WHERE actor_id = %s AND action = 'search' "
            "AND %s = ANY(result_ids) ORDER BY occurred_at",
            [stack.world["user_id"], stack.world["child"]["public_id"]],
        )
    ]
    shown = [answer for answer in person.answers if answer.showed_child]
    for answer in shown:
        inside = [t for t in events if answer.sent <= t <= answer.received]
        assert len(inside) == 1, f"a response that showed the child has {len(inside)} events"
    first = person.answers[0].sent
    for moment in (t for t in events if first <= t <= person.answers[-1].received):
        assert any(a.sent <= moment <= a.received for a in person.answers), "a stray event"


def assert_unavailable_page(answer: Answer) -> None:
    """The service's own 503: GOV.UK wording, Retry-After, no trace of the failure."""
    assert answer.status == 503, answer
    assert answer.retry_after == "30"
    assert not answer.showed_child
    assert "Try again in a few minutes" in answer.page
    assert "Traceback" not in answer.page and "psycopg2" not in answer.page
