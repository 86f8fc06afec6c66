"""CPU per search through the API beside the same search through the page, interleaved.

    .venv/bin/python bench/api_search_cpu.py --database contactpoint_api --user socialworker

One process makes the same searches, in the same order, three ways, through Django's whole
request stack (in-process WSGI: middleware, sessions or API authentication, the gateway with
its audit insert and commit, rendering):

- ``page``: ``GET /search/`` for a signed-in practitioner (session with a verified second
  factor), the HTML page rendered;
- ``api``: ``GET /api/v1/children/`` for a registered connecting system (its OAuth 2 access
  token, obtained once before the rounds) and the same practitioner's token (both parties
  checked, the failure lock-out asked, both rate limits taken), JSON rendered;
- ``floor``: ``access.gateway.child_search`` called directly, no HTTP: what any front must pay.

Batches alternate (page, api, floor, rotated each round so none always follows another);
for each, the CPU time (user + system) of this process and of its PostgreSQL backends is read
from /proc. It prints ms of CPU per search per round, the medians, and the ratios api/page
and each front's cost above the floor. Wall time is not reported (a shared, noisy machine);
Redis's CPU (rate limits) is not counted. Round 0 warms caches and is not counted.

Needs a world with the demo personas (``seed_demo``), e.g. in a database of your own:
``DATABASE_URL=…/contactpoint_api python manage.py seed_demo --children 20000 --seed 7
--credentials /tmp/logins.json``. It registers a connecting system for the user's
organisation and issues a token (both written to that database).
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import statistics
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proc_cpu import backend_pids, cpu_seconds  # noqa: E402 - found through the path above

SIDES = ("page", "api", "floor")


def _measure(run, queries: list[dict]) -> float:
    """CPU seconds (this process + its backends) to run ``queries``."""
    backends = backend_pids()
    before = cpu_seconds(os.getpid()) + sum(cpu_seconds(p) for p in backends)
    for query in queries:
        run(query)
    backends |= backend_pids()
    return cpu_seconds(os.getpid()) + sum(cpu_seconds(p) for p in backends) - before


def _queries(user, count: int, seed: int) -> list[dict]:
    """Random active children in the user's local authority, with the details as recorded."""
    from django.db import connection

    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT family_name, given_name, date_of_birth FROM directory_child"
            " WHERE status = 'active' AND local_authority_id = %s",
            [user.organisation.local_authority_id],
        )
        rows = cursor.fetchall()
    return [
        {
            "family_name": family,
            "given_name": given,
            "date_of_birth": born.isoformat(),
            "purpose": "current_involvement",
        }
        for family, given, born in rng.sample(rows, min(count, len(rows)))
    ]


def _fronts(user):
    """The three ways to search, each a function of one query."""
    from django.test import Client
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from access.gateway import child_search
    from access.sign_in.second_factor_binding import second_factor_bind
    from api.models import ApiClient
    from api.services import api_client_credentials_new, api_token_issue
    from audit.writer import Actor
    from directory.forms import ChildSearchForm

    page = Client(SERVER_NAME="localhost")
    page.force_login(user)
    session = page.session
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    second_factor_bind(session, user_id=user.pk)
    session.save()

    system = ApiClient(
        organisation=user.organisation,
        name="bench system",
        accreditation_reference="BENCH",
        accredited_until=timezone.localdate() + timedelta(days=1),
    )
    secret = api_client_credentials_new(client=system)
    system.save()
    actor = Actor(user.pk, user.username, user.role, user.organisation_id, None, "bench")
    token = api_token_issue(user=user, client=system, actor=actor)
    # The system signs in once (OAuth 2 client credentials), as it would every few minutes;
    # each search then carries its access token and the practitioner's token.
    signed_in = Client(SERVER_NAME="localhost").post(
        "/api/v1/oauth/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION="Basic "
        + base64.b64encode(f"{system.client_id}:{secret}".encode()).decode(),
    )
    assert signed_in.status_code == 200, signed_in.content[:300]
    api = Client(
        SERVER_NAME="localhost",
        HTTP_AUTHORIZATION=f"Bearer {signed_in.json()['access_token']}",
        HTTP_X_PRACTITIONER_TOKEN=token,
    )

    def page_search(query):
        response = page.get("/search/", query)
        assert response.status_code == 200, response.status_code

    def api_search(query):
        response = api.get("/api/v1/children/", query)
        assert response.status_code == 200, response.content[:300]

    def floor_search(query):
        form = ChildSearchForm(query)
        assert form.is_valid(), form.errors
        child_search(user=user, criteria=form.criteria(), actor=actor)

    return {"page": page_search, "api": api_search, "floor": floor_search}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="contactpoint_api")
    parser.add_argument("--user", default="socialworker")
    parser.add_argument("--searches", type=int, default=100, help="searches per batch")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    from search_scale import database_urls

    app, owner = database_urls(args.database)
    os.environ.update(DATABASE_URL=app, DATABASE_OWNER_URL=owner)
    from _django import setup

    setup()
    from django.conf import settings

    from access.models import User

    for name in ("LOOKUP_RATE_LIMIT", "API_CLIENT_RATE_LIMIT", "API_USER_RATE_LIMIT"):
        setattr(settings, name, 10**9)
    settings.ALLOWED_HOSTS = ["localhost"]
    user = User.objects.select_related("organisation").get(username=args.user)
    queries = _queries(user, args.searches, args.seed)
    fronts = _fronts(user)
    per_search: dict[str, list[float]] = {side: [] for side in SIDES}
    print(f"{len(queries)} searches a batch as {args.user}; ms of CPU (python + postgres) each")
    print(f"{'round':>5} " + " ".join(f"{side:>8}" for side in SIDES))
    for round_number in range(args.rounds + 1):
        order = SIDES[round_number % 3 :] + SIDES[: round_number % 3]
        costs = {side: _measure(fronts[side], queries) for side in order}
        if round_number == 0:
            continue  # warm-up
        for side in SIDES:
            per_search[side].append(1000 * costs[side] / len(queries))
        print(f"{round_number:>5} " + " ".join(f"{per_search[s][-1]:8.2f}" for s in SIDES))
    median = {side: statistics.median(per_search[side]) for side in SIDES}
    print(f"{'median':>6}" + " ".join(f"{median[s]:8.2f}" for s in SIDES))
    print(f"api / page: {median['api'] / median['page']:.2f}")
    for side in ("page", "api"):
        above = median[side] - median["floor"]
        print(f"{side} above the floor: {above:.2f} ms ({median[side] / median['floor']:.2f}x)")


if __name__ == "__main__":
    main()
