"""Someone using the service over HTTP, for the fault suite and the soak benchmark.

``Person`` signs in through the real sign-in pages and searches for the child they may see,
one request at a time, keeping what each response was: when it was sent and answered, its
status, whether it showed the child, and its page. One at a time, so that each response's
audit event can be told apart by when it was written (``events_unmatched``).
"""

from __future__ import annotations

import re
import time
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

import pyotp
import requests

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
    world: dict  # username, password, totp_secret; child: public_id, family_name, date_of_birth
    session: requests.Session = field(default_factory=requests.Session)
    answers: list[Answer] = field(default_factory=list)
    keep_pages: bool = True  # a long run keeps no pages (memory)

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
                response.text if self.keep_pages else "",
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


def events_unmatched(events: list[float], answers: list[Answer]) -> tuple[list, list]:
    """Check the rule (audit before data) over one person's answers (in the order sent, one
    at a time) and the times of their search events that name the child: every answer that
    showed the child has exactly one event written between its request and its answer; every
    event lies within some request. Returns (answers shown without exactly one event, events
    outside every request). An event may belong to a request that got no data (the audit
    committed, then something failed): more recorded than shown, never less."""
    if not answers:
        return [], []
    events = sorted(events)
    wrong = [
        answer
        for answer in answers
        if answer.showed_child
        and bisect_right(events, answer.received) - bisect_left(events, answer.sent) != 1
    ]
    starts = [answer.sent for answer in answers]
    stray = []
    for moment in events:
        if not answers[0].sent <= moment <= answers[-1].received:
            continue
        latest = bisect_right(starts, moment) - 1
        if latest < 0 or moment > answers[latest].received:
            stray.append(moment)
    return wrong, stray


def search_events(postgres, *, user_id: int, public_id: str) -> list[float]:
    """When each of this user's searches that returned the child was written."""
    return [
        when.timestamp()
        for (when,) in postgres.query(
            "SELECT occurred_at FROM audit_accessevent WHERE actor_id = %s AND action = 'search' "
            "AND %s = ANY(result_ids) ORDER BY occurred_at",
            [user_id, public_id],
        )
    ]
