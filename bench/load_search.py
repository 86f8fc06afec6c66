"""A bounded HTTP load run: gunicorn with audit on, locust on loopback, audit rows counted.

    .venv/bin/python bench/load_search.py --database contactpoint_bench12m --seconds 60

Prepares signed-in practitioners (a school, a GP practice, children's services; each with a
password, a TOTP device and searches drawn from children in its scope), starts gunicorn on
127.0.0.1 against the named database as the application's role, runs locust headless for
``--seconds`` (three searches for every record view; each user signs in once), stops
gunicorn, and prints requests/s and latency percentiles per request kind, then the audit
events written during the run against the searches and record views served (they must be
equal: every lookup is audited in its own transaction). The per-user lookup limit is lifted
for the server it starts; nothing listens beyond loopback.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from search_scale import (
    DEFAULT_DATABASE,
    bench_user,
    django_setup,
    samples_in_scope,
    users_ensure,
)

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def plan_write(path: Path, users_per_org: int, rng: random.Random) -> list[int]:
    """Accounts with known secrets and in-scope searches (half with a date of birth)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from search_scale import BENCH_PASSWORD

    accounts, ids = [], []
    for label, persona in users_ensure().items():
        if label == "break-glass":
            continue
        samples = samples_in_scope(persona, 200, rng, nicknamed=False)
        for n in range(users_per_org):
            user = bench_user(f"bench.load.{persona.organisation_id}.{n}", persona.organisation_id)
            key = secrets.token_bytes(20)
            TOTPDevice.objects.filter(user=user).delete()
            TOTPDevice.objects.create(user=user, name="bench", confirmed=True, key=key.hex())
            searches = []
            for s in samples:
                query = {"family_name": s.family_name, "given_name": s.given_name}
                if rng.random() < 0.5:
                    query["date_of_birth"] = s.date_of_birth.isoformat()
                searches.append(query)
            accounts.append(
                {
                    "username": user.username,
                    "password": BENCH_PASSWORD,
                    "totp_secret": _base32(key),
                    "searches": searches,
                }
            )
            ids.append(user.pk)
    path.write_text(json.dumps({"users": accounts}))
    return ids


def _base32(key: bytes) -> str:
    import base64

    return base64.b32encode(key).decode()


def gunicorn_start(port: int, workers: int, env: dict, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "contactpoint.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    sys.exit(f"gunicorn did not start; see {log}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=8, help="simulated users per organisation")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    django_setup(args.database)

    from audit.models import AccessEvent

    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="contactpoint-load-"))
    plan = work / "plan.json"
    user_ids = plan_write(plan, args.users, rng)
    first_event = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    env = {**os.environ, "LOOKUP_RATE_LIMIT": str(10**9), "LOAD_PLAN": str(plan)}
    env["LOAD_WINDOW"] = str(work / "window.json")
    server = gunicorn_start(args.port, args.workers, env, work / "gunicorn.log")
    stats = work / "locust"
    try:
        subprocess.run(
            [
                str(VENV_BIN / "locust"),
                "-f",
                str(ROOT / "bench" / "load_locustfile.py"),
                "--headless",
                "--users",
                str(args.users * 3),
                "--spawn-rate",
                str(args.users * 3),
                "--run-time",
                f"{args.seconds}s",
                "--host",
                f"http://127.0.0.1:{args.port}",
                "--csv",
                str(stats),
                "--only-summary",
                "--stop-timeout",
                "10",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            check=False,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    window = json.loads((work / "window.json").read_text() or "{}")
    report(work / "locust_stats.csv", window, user_ids, first_event)


def report(path: Path, window: dict, user_ids: list[int], first_event: int) -> None:
    """Locust's percentiles per request kind; rates over the lookup window (see the
    locustfile), so the sign-in phase does not dilute them."""
    from audit.models import AccessEvent

    rows = {row["Name"]: row for row in csv.DictReader(path.open())}
    seconds = max(window.get("last", 0) - window.get("first", 0), 1e-9)
    columns = ("count", "failed", "req/s", "p50 ms", "p95 ms", "p99 ms")
    print("\n" + f"{'request':<12}" + "".join(f"{c:>8}" for c in columns))
    for name in ("search", "record"):
        row = rows.get(name)
        if row:
            count = int(row["Request Count"])
            print(
                f"{name:<12}{count:>8}{int(row['Failure Count']):>8}{count / seconds:>8.1f}"
                f"{row['50%']:>8}{row['95%']:>8}{row['99%']:>8}"
            )
    print(f"lookup window {seconds:.1f} s (first to last search or record view)")
    events = AccessEvent.objects.filter(id__gt=first_event, actor_id__in=user_ids)
    searches = events.filter(action=AccessEvent.Action.SEARCH).count()
    views = events.filter(action=AccessEvent.Action.VIEW).count()
    served = {name: int(rows[name]["Request Count"]) - int(rows[name]["Failure Count"])
              for name in ("search", "record") if name in rows}  # fmt: skip
    print(
        f"audit: {searches} search events for {served.get('search', 0)} searches served; "
        f"{views} record-view events for {served.get('record', 0)} record views served"
    )


if __name__ == "__main__":
    main()
