"""Locust users for ``bench/load_search.py``: sign in with password and TOTP, then search and
open records the way a practitioner does.

Read by ``locust -f``, never imported by the application. Each simulated user takes one
prepared account from the plan file named by ``LOAD_PLAN`` (its password, TOTP secret and
searches drawn from children in its scope), signs in once, then searches three times for
every record it opens, opening only children its own searches returned.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time
from pathlib import Path

import pyotp
from locust import FastHttpUser, between, events, task

_PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text(encoding="utf-8"))
_ACCOUNTS = itertools.cycle(_PLAN["users"])
_LOCK = threading.Lock()
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_RECORD = re.compile(r'href="/children/([a-z0-9]+)/"')
# First and last lookup of the run: rates are taken over this window, not over the sign-in
# phase (a password hash costs far more than a search, and signing in is not under test).
_WINDOW: dict[str, float] = {}


@events.request.add_listener
def _lookup_seen(name: str, **_: object) -> None:
    if name in ("search", "record"):
        _WINDOW.setdefault("first", time.time())
        _WINDOW["last"] = time.time()


@events.quitting.add_listener
def _window_write(**_: object) -> None:
    Path(os.environ["LOAD_WINDOW"]).write_text(json.dumps(_WINDOW))


class Practitioner(FastHttpUser):
    """One signed-in practitioner. Locust's fast client: the load generator shares the
    server's two cores, and its standard client spent several times more of them per request."""

    wait_time = between(0, 0.01)

    def on_start(self) -> None:
        with _LOCK:
            self.account = next(_ACCOUNTS)
        self.rng = random.Random(self.account["username"])
        self.found: list[str] = []
        self._post_form(
            "/accounts/login/",
            {"username": self.account["username"], "password": self.account["password"]},
        )
        code = pyotp.TOTP(self.account["totp_secret"]).now()
        self._post_form("/accounts/second-factor/", {"otp_token": code})

    def _post_form(self, path: str, fields: dict) -> None:
        page = self.client.get(path, name=f"login {path}")
        token = _CSRF.search(page.text)
        fields = {**fields, "csrfmiddlewaretoken": token.group(1) if token else ""}
        self.client.post(path, data=fields, name=f"login {path}", headers={"Referer": page.url})

    @task(3)
    def search(self) -> None:
        params = dict(self.rng.choice(self.account["searches"]), purpose="current_involvement")
        with self.client.get("/search/", params=params, name="search", catch_response=True) as r:
            if r.status_code != 200 or "Search" not in r.text:
                r.failure(f"status {r.status_code}")
                return
            self.found = _RECORD.findall(r.text)[:5] or self.found

    @task(1)
    def record(self) -> None:
        if not self.found:
            return
        public_id = self.rng.choice(self.found)
        self.client.get(f"/children/{public_id}/", name="record")
