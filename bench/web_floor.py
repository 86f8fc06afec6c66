"""CPU per audited page, the application beside its floor, interleaved in one run (issue 16).

    .venv/bin/python bench/web_floor.py --database contactpoint_bench500k_floor --rounds 8

Starts one gunicorn on 127.0.0.1 under **production settings** (``bench/floor/settings.py``
imports ``contactpoint.settings.production`` and changes nothing) with the bench's WSGI
entry point (``bench/floor/wsgi.py``): every path is the application's, except
``/bench-floor/``, which goes to the floor (``bench/floor/views.py``: the same scoped SQL,
the same audit insert and commit, a minimal template, a lean session, second-factor,
vetting and rate-limit check). Practitioners of a school, a GP practice and children's
services sign in over HTTP with password and TOTP; then, in each round, four batches run one
after the other, their order alternating between rounds: the application's search with a
date of birth, the floor's, the application's record view, the floor's.

For each batch it reads from /proc the CPU (user + system) of the gunicorn processes, of
the PostgreSQL backends of the benchmark database and of redis-server, and counts the
lookups served **from the server side**: the audit events written during the batch (each
lookup writes one; the floor's too). It prints CPU per lookup for each part, and project ÷
floor for each kind, per round and as the median with the spread across rounds. A short
counting pass first, on a server of its own started with ``BENCH_COUNT=1``, reports SQL
statements and Redis round trips per page (the measured server carries no counters).

Needs Redis with a password (production refuses one without) and the world from
``bench/world_build.py``. The per-user lookup limit is lifted for the servers it starts;
nothing listens beyond loopback; every loop is bounded.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from gunicorn_process import gunicorn_start  # noqa: E402 - found through the path above

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PURPOSE = "current_involvement"
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KINDS = ("search", "record")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` from /proc (fields 14 and 15 of stat); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def children_of(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            kids = (task / "children").read_text().split()
        except OSError:
            continue
        for kid in map(int, kids):
            found += [kid, *children_of(kid)]
    return found


# --- preparing the world's users -------------------------------------------------------------


def accounts_prepare(
    per_org: int, samples: int, rng: random.Random, label: str = "bench.floor"
) -> list[dict]:
    """Signed-in-able practitioners (password + TOTP) of three organisations, each with
    children in its own scope to search for (with a date of birth) and open."""
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from search_scale import BENCH_PASSWORD, bench_user, samples_in_scope, users_ensure

    accounts = []
    for label, persona in users_ensure().items():
        if label == "break-glass":
            continue
        drawn = samples_in_scope(persona, samples, rng, nicknamed=False)
        for n in range(per_org):
            user = bench_user(f"{label}.{persona.organisation_id}.{n}", persona.organisation_id)
            key = secrets.token_bytes(20)
            TOTPDevice.objects.filter(user=user).delete()
            TOTPDevice.objects.create(user=user, name="bench", confirmed=True, key=key.hex())
            accounts.append(
                {
                    "id": user.pk,
                    "username": user.username,
                    "password": BENCH_PASSWORD,
                    "totp_key": key,
                    "children": [
                        {
                            "family_name": s.family_name,
                            "given_name": s.given_name,
                            "date_of_birth": s.date_of_birth.isoformat(),
                            "public_id": s.public_id,
                        }
                        for s in drawn
                    ],
                }
            )
    return accounts


# --- HTTP -------------------------------------------------------------------------------------


class Client:
    """One browser: cookies kept by hand (production's cookies are Secure and __Host-, which
    a cookie jar would not send over plain HTTP on loopback)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": "127.0.0.1", "User-Agent": "bench/web_floor"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "expires=Thu, 01 Jan 1970" in header or value == '""':
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        conn.close()
        return response.status, response.headers, text

    def form_post(self, path: str, fields: dict) -> int:
        _, _, page = self.request("GET", path)
        token = _CSRF.search(page)
        status, _, _ = self.request(
            "POST", path, {**fields, "csrfmiddlewaretoken": token.group(1) if token else ""}
        )
        return status


def sign_in(port: int, account: dict) -> Client:
    import pyotp

    client = Client(port)
    client.form_post(
        "/accounts/login/", {"username": account["username"], "password": account["password"]}
    )
    totp = pyotp.TOTP(_base32(account["totp_key"]))
    for _ in range(2):  # a code typed as its 30 s window closes may be refused: once more
        client.form_post("/accounts/second-factor/", {"otp_token": totp.now()})
        status, _, _ = client.request("GET", "/search/")
        if status == 200:
            break
        time.sleep(30 - time.time() % 30 + 1)
    if status != 200:
        sys.exit(f"{account['username']} did not get to the search page ({status})")
    return client


def _base32(key: bytes) -> str:
    import base64

    return base64.b32encode(key).decode()


def page_path(side: str, kind: str, child: dict) -> str:
    prefix = "/bench-floor" if side == "floor" else ""
    if kind == "record":
        return f"{prefix}/children/{child['public_id']}/?purpose={PURPOSE}"
    query = {k: child[k] for k in ("family_name", "given_name", "date_of_birth")}
    return f"{prefix}/search/?" + urllib.parse.urlencode({**query, "purpose": PURPOSE})


def batch_run(clients, plan, side: str, kind: str, threads: int) -> tuple[int, dict]:
    """Send the batch's pages; (answered 200, {other status: count})."""

    def one(item):
        client, child = item
        status, _, _ = client.request("GET", page_path(side, kind, child))
        return status

    with ThreadPoolExecutor(threads) as pool:
        done = list(pool.map(one, plan))
    others = {status: done.count(status) for status in set(done) if status != 200}
    return done.count(200), others


def batch_plan(clients, accounts, size: int, rng: random.Random) -> list:
    plan = []
    for _ in range(size):
        n = rng.randrange(len(clients))
        plan.append((clients[n], rng.choice(accounts[n]["children"])))
    return plan


# --- servers and measurement ------------------------------------------------------------------


def server_env(database: str) -> dict:
    from search_scale import database_urls

    app, owner = database_urls(database)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "floor.settings",
        "PYTHONPATH": f"{ROOT / 'bench'}{os.pathsep}{ROOT}",
        "DATABASE_URL": app,
        "DATABASE_OWNER_URL": owner,
        "SECURE_SSL_REDIRECT": "false",
        "WEBAUTHN_RP_ID": "localhost",
        "WEBAUTHN_ALLOWED_ORIGINS": "https://localhost",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "LOOKUP_RATE_LIMIT": str(10**9),
    }
    if len(env.get("DJANGO_SECRET_KEY", "")) < 50:
        env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(48)
    return env


def gunicorn_stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


class Meter(threading.Thread):
    """CPU seconds of the web server, the database's backends and Redis, from /proc.

    A backend can end during a batch (Django closes a connection after ``CONN_MAX_AGE``
    and opens another); its CPU would then be lost, so a thread reads every backend's CPU
    four times a second and a backend gone by the end of a batch counts with the last
    figure read.
    """

    def __init__(self, web_pid: int, database: str, redis_pid: int) -> None:
        super().__init__(daemon=True)
        self.web_pid, self.database, self.redis_pid = web_pid, database, redis_pid
        self.last: dict[int, float] = {}
        self._lock = threading.Lock()
        self._done = threading.Event()

    def run(self) -> None:
        import psycopg2
        from django.db import connection

        params = connection.get_connection_params()
        with psycopg2.connect(**params) as conn, conn.cursor() as cursor:
            conn.autocommit = True
            while not self._done.wait(0.25):
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s "
                    "AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
                    [self.database],
                )
                self._read([row[0] for row in cursor.fetchall()])

    def stop(self) -> None:
        self._done.set()
        self.join()

    def _read(self, pids) -> dict[int, float]:
        with self._lock:
            for pid in pids:
                seconds = cpu_seconds(pid)
                if seconds:
                    self.last[pid] = max(seconds, self.last.get(pid, 0.0))
            return dict(self.last)

    def snapshot(self) -> dict[str, dict[int, float]]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
                [self.database],
            )
            backends = self._read([row[0] for row in cursor.fetchall()])
        web = [self.web_pid, *children_of(self.web_pid)]
        return {
            "web": {pid: cpu_seconds(pid) for pid in web},
            "postgres": backends,
            "redis": {self.redis_pid: cpu_seconds(self.redis_pid)},
        }

    @staticmethod
    def spent(before, after) -> dict[str, float]:
        """CPU per part between two snapshots; a process new since ``before`` counts whole."""
        out = {}
        for part, now in after.items():
            pids = set(now) | set(before[part])
            out[part] = sum(
                now.get(pid, before[part].get(pid, 0.0)) - before[part].get(pid, 0.0)
                for pid in pids
            )
        return out


def audit_mark() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM audit_accessevent")
        return cursor.fetchone()[0]


def audited_since(mark: int, user_ids: list[int]) -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT action, count(*) FROM audit_accessevent WHERE id > %s "
            "AND actor_id = ANY(%s) GROUP BY action",
            [mark, user_ids],
        )
        return dict(cursor.fetchall())


def redis_pid() -> int:
    import redis

    return int(redis.Redis.from_url(os.environ["REDIS_URL"]).info("server")["process_id"])


def count_pass(port: int, env: dict, clients_ports, accounts, log: Path, rng) -> dict:
    """Statements and Redis round trips per page, from a server started with counters."""
    server = gunicorn_start(
        "floor.wsgi:application",
        port,
        1,
        {**env, "BENCH_COUNT": "1"},
        log.with_suffix(".count.log"),
    )
    counts = {}
    try:
        for side in ("project", "floor"):
            for kind in KINDS:
                sql, trips = [], []
                for n in range(20):
                    client = clients_ports[n % len(clients_ports)]
                    client.port = port
                    child = rng.choice(accounts[n % len(accounts)]["children"])
                    status, headers, _ = client.request("GET", page_path(side, kind, child))
                    if status == 200:
                        sql.append(int(headers["X-Bench-Statements"]))
                        trips.append(int(headers["X-Bench-Redis"]))
                counts[(side, kind)] = (statistics.mean(sql), statistics.mean(trips), len(sql))
    finally:
        gunicorn_stop(server)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="contactpoint_bench500k_floor")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--batch", type=int, default=200, help="pages per batch")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="concurrent client requests")
    parser.add_argument("--users", type=int, default=2, help="practitioners per organisation")
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--out", help="also write the report to this file")
    args = parser.parse_args()
    from search_scale import django_setup

    django_setup(args.database)
    rng = random.Random(args.seed)
    accounts = accounts_prepare(args.users, 100, rng)
    user_ids = [a["id"] for a in accounts]
    env = server_env(args.database)
    log = Path(tempfile.gettempdir()) / f"web_floor_gunicorn_{os.getpid()}.log"
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    server = gunicorn_start("floor.wsgi:application", args.port, args.workers, env, log)
    try:
        clients = [sign_in(args.port, a) for a in accounts]
        meter = Meter(server.pid, args.database, redis_pid())
        meter.start()
        per_lookup: dict[tuple[str, str], list[dict[str, float]]] = {}
        say(
            f"database {args.database}; gunicorn {args.workers} workers, production settings; "
            f"{args.batch} pages a batch, {args.threads} at a time; {len(accounts)} users"
        )
        say("ms of CPU per lookup (web + postgres + redis); lookups counted from audit rows")
        say(f"{'round':>5} {'kind':<7} {'project':>22} {'floor':>22} {'ratio':>6}")
        for round_number in range(args.rounds + 1):  # round 0 warms both sides, unreported
            batches = [(side, kind) for kind in KINDS for side in ("project", "floor")]
            if round_number % 2:
                batches.reverse()
            measured, spoiled = {}, False
            for side, kind in batches:
                plan = batch_plan(clients, accounts, args.batch, rng)
                mark, before = audit_mark(), meter.snapshot()
                ok, others = batch_run(clients, plan, side, kind, args.threads)
                after = meter.snapshot()
                events = audited_since(mark, user_ids)
                lookups = events.get("search" if kind == "search" else "view", 0)
                if others or lookups != ok or sum(events.values()) != ok:
                    # A round with a page not answered 200 is reported and left out.
                    say(
                        f"  round {round_number} left out: {side} {kind}: {ok} answered 200, "
                        f"others {others}, audit events {events}"
                    )
                    spoiled = True
                spent = Meter.spent(before, after)
                measured[(side, kind)] = {p: 1000 * s / max(lookups, 1) for p, s in spent.items()}
            if round_number == 0 or spoiled:
                continue
            for kind in KINDS:
                cells = []
                for side in ("project", "floor"):
                    m = measured[(side, kind)]
                    per_lookup.setdefault((side, kind), []).append(m)
                    cells.append(
                        f"{sum(m.values()):5.2f} ({m['web']:.1f}+{m['postgres']:.1f}+"
                        f"{m['redis']:.2f})"
                    )
                ratio = sum(measured[("project", kind)].values()) / sum(
                    measured[("floor", kind)].values()
                )
                say(f"{round_number:>5} {kind:<7} {cells[0]:>22} {cells[1]:>22} {ratio:6.2f}")
        meter.stop()
        counts = count_pass(args.port + 1, env, clients, accounts, log, rng)
    finally:
        if server.poll() is None:
            gunicorn_stop(server)
    say()
    say(
        "median over rounds (min–max); ms of CPU per lookup; statements and Redis round trips "
        "per page from the counting pass"
    )
    say(
        f"{'kind':<7} {'side':<8} {'total':>14} {'web':>6} {'pg':>6} {'redis':>6} "
        f"{'stmts':>6} {'redis rt':>9}"
    )
    for kind in KINDS:
        ratios = []
        for rnd in range(len(per_lookup[("project", kind)])):
            p = sum(per_lookup[("project", kind)][rnd].values())
            f = sum(per_lookup[("floor", kind)][rnd].values())
            ratios.append(p / f)
        for side in ("project", "floor"):
            rows = per_lookup[(side, kind)]
            totals = [sum(r.values()) for r in rows]
            parts = {p: statistics.median(r[p] for r in rows) for p in ("web", "postgres", "redis")}
            sql, trips, _ = counts[(side, kind)]
            say(
                f"{kind:<7} {side:<8} {statistics.median(totals):5.2f} "
                f"({min(totals):.2f}–{max(totals):.2f}) {parts['web']:6.2f} "
                f"{parts['postgres']:6.2f} {parts['redis']:6.2f} {sql:6.1f} {trips:9.1f}"
            )
        say(
            f"{kind:<7} ratio    {statistics.median(ratios):5.2f} "
            f"({min(ratios):.2f}–{max(ratios):.2f}) project ÷ floor, per round"
        )
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
