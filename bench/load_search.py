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
import threading
import time
from pathlib import Path

from gunicorn_process import gunicorn_start
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


class CpuSampler(threading.Thread):
    """CPU seconds spent by the web server, PostgreSQL's backends for the benchmark database and
    the load generator, sampled twice a second during the run.

    Why: on two shared cores, requests per second alone cannot say whether the web workers,
    the database or the load generator is the limit; CPU per lookup can, and it predicts the
    ceiling (2 cores ÷ CPU per lookup). Sampled rather than read at the end so the figures can
    be taken over the lookup window alone (sign-in hashes passwords, which costs far more).
    PostgreSQL's background processes (WAL writer, checkpointer) are not counted.
    """

    def __init__(self, web_pid: int, database: str) -> None:
        super().__init__(daemon=True)
        self.web_pid, self.database = web_pid, database
        self.locust_pid: int | None = None
        self.samples: list[tuple[float, dict[str, float]]] = []
        self._seen: dict[int, tuple[str, float, float]] = {}  # pid -> (part, first, last)
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.5):
            self.sample()

    def stop(self) -> None:
        self._done.set()
        self.join()
        self.sample()

    def sample(self) -> None:
        import psutil

        for part, process in self._processes(psutil):
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            used = times.user + times.system
            first = self._seen.get(process.pid, (part, used, used))[1]
            self._seen[process.pid] = (part, first, used)
        totals = {"web": 0.0, "database": 0.0, "load generator": 0.0}
        for part, first, last in self._seen.values():
            totals[part] += last - first
        self.samples.append((time.time(), totals))

    def _processes(self, psutil):
        for root, part in ((self.web_pid, "web"), (self.locust_pid, "load generator")):
            if root is None:
                continue
            try:
                parent = psutil.Process(root)
                yield from ((part, p) for p in [parent, *parent.children(recursive=True)])
            except psutil.Error:
                continue
        for process in psutil.process_iter(["name", "cmdline"]):
            command = " ".join(process.info["cmdline"] or [])
            if process.info["name"] == "postgres" and f" {self.database} " in command:
                yield "database", process

    def between(self, start: float, end: float) -> dict[str, float]:
        """CPU seconds per part from ``start`` to ``end`` (linear between samples)."""
        at_start, at_end = self._at(start), self._at(end)
        return {part: at_end[part] - at_start[part] for part in at_end}

    def _at(self, moment: float) -> dict[str, float]:
        before = [s for s in self.samples if s[0] <= moment] or self.samples[:1]
        after = [s for s in self.samples if s[0] >= moment] or self.samples[-1:]
        (t0, a), (t1, b) = before[-1], after[0]
        share = 0.0 if t1 == t0 else (moment - t0) / (t1 - t0)
        return {part: a[part] + share * (b[part] - a[part]) for part in a}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=8, help="simulated users per organisation")
    parser.add_argument(
        "--workers",
        type=int,
        default=4,
        help="gunicorn workers (2 leave a core idle while each waits for PostgreSQL)",
    )
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
    server = gunicorn_start(
        "contactpoint.wsgi", args.port, args.workers, env, work / "gunicorn.log"
    )
    cpu = CpuSampler(server.pid, args.database)
    cpu.start()
    stats = work / "locust"
    try:
        locust = subprocess.Popen(
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
        )
        cpu.locust_pid = locust.pid
        locust.wait()
    finally:
        cpu.stop()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    window = json.loads((work / "window.json").read_text() or "{}")
    lookups = report(work / "locust_stats.csv", window, user_ids, first_event)
    cpu_report(cpu, window, lookups)


def cpu_report(cpu: CpuSampler, window: dict, lookups: int) -> None:
    """CPU milliseconds per lookup (search or record view) for each part, over the window,
    and the lookups per second two cores could serve at that cost."""
    if not lookups or "first" not in window:
        return
    spent = cpu.between(window["first"], window["last"])
    seconds = window["last"] - window["first"]
    parts = ", ".join(f"{part} {used / lookups * 1000:.1f} ms" for part, used in spent.items())
    print(f"CPU per lookup: {parts}")
    served = spent["web"] + spent["database"]
    print(
        f"cores busy: {sum(spent.values()) / seconds:.2f} of {os.cpu_count()}; "
        f"web + database {served / lookups * 1000:.1f} ms per lookup: at most "
        f"{os.cpu_count() * lookups / served:.0f} lookups/s on {os.cpu_count()} cores "
        f"with nothing else running"
    )


def report(path: Path, window: dict, user_ids: list[int], first_event: int) -> int:
    """Locust's percentiles per request kind; rates over the lookup window (see the
    locustfile), so the sign-in phase does not dilute them. Returns the lookups served."""
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
    return sum(served.values())


if __name__ == "__main__":
    main()
