"""Audit log: append throughput against a plain table, sealing lag and speed, verify time.

    .venv/bin/python bench/audit_throughput.py --seconds 10

Runs in a scratch database it creates, migrates and drops (the owner role needs CREATEDB, as
the embedded stack's has), so the real audit log is never touched. Prints:

1. Append throughput with 1, 8 and 32 writer processes, each with its own connection, for
   ``--seconds`` each, one event per transaction (as the gateway commits them), into the
   partitioned, trigger-protected log while the sealer runs every ``--seal-interval`` seconds
   in its own process, against the same inserts into a plain table (same columns and indexes;
   no partitions, triggers or sealing). Events/s and ratio, by two paths:
   ``orm``: ``audit.writer.access_event_record`` itself (the plain table through the same ORM
   insert), i.e. what the app does, Python included; ``sql``: the INSERT statement Django
   sends, through psycopg2, so the database's own cost shows without the ORM's.
2. Sealing lag at those rates: from an event's insert to the signed head that covers it.
3. Sealing speed: a backlog written with the sealer stopped, then sealed by one round per
   ``MAX_BATCH`` events, as ``seal_audit`` does.
4. ``verify_audit`` over everything written, and that time per million events (linear
   extrapolation: verification reads each event once).
5. Sealing while writers commit ``BATCH`` events per transaction: more events per second than
   single-event commits reach on this machine, to show the sealer keeping up (bounded lag).
"""

import argparse
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
WRITERS = (1, 8, 32)
# Events per transaction in the "batch" load, which exists only to offer the sealer more than
# this machine can commit one event at a time.
BATCH = 20


def _stack_env() -> dict[str, str]:
    values = {}
    env_file = ROOT / ".data" / "stack.env"
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
    return values


def _scratch_database() -> tuple[str, str]:
    """(owner URL of the server, scratch database name): created here, dropped at the end."""
    stack = _stack_env()
    owner = os.environ.get("DATABASE_OWNER_URL") or stack.get("DATABASE_OWNER_URL")
    owner = owner or os.environ.get("DATABASE_URL")
    if not owner:
        sys.exit("No database: run `make services` or set DATABASE_OWNER_URL")
    return owner, f"cp_audit_bench_{os.getpid()}"


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _admin(owner: str, sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(owner)
    connection.autocommit = True
    try:
        connection.cursor().execute(sql)
    finally:
        connection.close()


PLAIN_TABLE = """
CREATE SEQUENCE bench_plain_event_id_seq;
CREATE TABLE bench_plain_event (LIKE audit_accessevent INCLUDING DEFAULTS);
ALTER TABLE bench_plain_event ALTER COLUMN id SET DEFAULT nextval('bench_plain_event_id_seq');
ALTER TABLE bench_plain_event ADD PRIMARY KEY (id);
CREATE INDEX ON bench_plain_event (actor_id, occurred_at);
CREATE INDEX ON bench_plain_event (child_public_id, occurred_at);
CREATE INDEX ON bench_plain_event USING gin (result_ids);
CREATE INDEX ON bench_plain_event USING brin (occurred_at);
"""


def _django():
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _plain_model():
    """An unmanaged model on the plain table with AccessEvent's fields, so both runs go
    through the same ORM insert."""
    from django.db import models

    from audit.models import AccessEvent

    fields = {f.name: f.clone() for f in AccessEvent._meta.local_fields if f.name != "id"}
    fields["id"] = models.BigAutoField(primary_key=True)
    fields["__module__"] = __name__
    fields["Meta"] = type(
        "Meta", (), {"app_label": "audit", "managed": False, "db_table": "bench_plain_event"}
    )
    return type("BenchPlainEvent", (models.Model,), fields)


def _event_fields(number: int) -> dict:
    return {
        "action": "search",
        "outcome": "shown",
        "purpose": "referral",
        "criteria": {"family_name": f"Thompson{number % 997}", "date_of_birth": "2015-03-27"},
        "result_ids": [f"{number:08d}child{i:013d}" for i in range(5)],
    }


def _writer(kind: str, path: str, start_at: float, seconds: float, results) -> None:
    """One writer process with its own connection, writing until time is up."""
    from django.db import connections

    connections.close_all()
    if path == "orm":
        write = _orm_writer(kind)
    else:
        write = _sql_writer(kind, per_transaction=BATCH if path == "batch" else 1)
    while time.time() < start_at:
        time.sleep(0.001)
    written = 0
    deadline = start_at + seconds
    while time.time() < deadline:
        written += write(written)
    connections.close_all()
    results.put(written)


def _orm_writer(kind: str):
    from django.db import transaction

    from audit.writer import Actor, access_event_record

    actor = Actor(os.getpid(), f"bench{os.getpid()}", "practitioner", 1, "127.0.0.1", "bench")
    plain = _plain_model() if kind == "plain" else None

    def write(number: int) -> int:
        with transaction.atomic():
            if plain is None:
                access_event_record(actor=actor, **_event_fields(number))
            else:
                _plain_insert(plain, actor, number)
        return 1

    return write


def _sql_writer(kind: str, per_transaction: int):
    import json
    from datetime import UTC, datetime

    import psycopg2
    from django.db import connection

    settings = connection.settings_dict
    session = psycopg2.connect(
        host=settings["HOST"], port=settings["PORT"], user=settings["USER"], dbname=settings["NAME"]
    )
    table = "audit_accessevent" if kind == "audit" else "bench_plain_event"
    insert = (
        f'INSERT INTO "{table}" ("occurred_at", "actor_id", "actor_username", "actor_role", '
        '"organisation_id", "action", "outcome", "purpose", "criteria", "result_ids", '
        '"child_public_id", "reason", "ip_address", "user_agent") VALUES (%s, %s, %s, %s, %s, '
        f'%s, %s, %s, %s, %s, %s, %s, %s::inet, %s) RETURNING "{table}"."id"'
    )
    username = f"bench{os.getpid()}"

    def write(number: int) -> int:
        with session.cursor() as cursor:
            for offset in range(per_transaction):
                fields = _event_fields(number + offset)
                cursor.execute(
                    insert,
                    [
                        datetime.now(UTC), os.getpid(), username, "practitioner", 1,
                        fields["action"], fields["outcome"], fields["purpose"],
                        json.dumps(fields["criteria"]), fields["result_ids"], "", "",
                        "127.0.0.1", "bench",
                    ],
                )  # fmt: skip
                cursor.fetchone()
        session.commit()
        return per_transaction

    return write


def _plain_insert(model, actor, number: int) -> None:
    from django.utils import timezone

    model.objects.create(
        occurred_at=timezone.now(),
        actor_id=actor.user_id,
        actor_username=actor.username,
        actor_role=actor.role,
        organisation_id=actor.organisation_id,
        child_public_id="",
        reason="",
        ip_address=actor.ip_address,
        user_agent=actor.user_agent,
        **_event_fields(number),
    )


def _sealer(interval: float, stop, sealed_through) -> None:
    """Seal every ``interval`` seconds, as Celery beat does, until told to stop."""
    from django.db import connections

    from audit.sealing.sealer import audit_seal

    connections.close_all()
    next_tick = time.monotonic()
    while not stop.is_set():
        result = audit_seal(wait_seconds=2.0)
        sealed_through.value = result.safe_through
        next_tick += interval
        stop.wait(max(0.0, next_tick - time.monotonic()))
    connections.close_all()


def _max_id() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM audit_accessevent")
        return cursor.fetchone()[0]


def _run_writers(context, kind: str, path: str, writers: int, seconds: float) -> int:
    from django.db import connections

    connections.close_all()
    results = context.Queue()
    start_at = time.time() + 1.0
    processes = [
        context.Process(target=_writer, args=(kind, path, start_at, seconds, results))
        for _ in range(writers)
    ]
    for process in processes:
        process.start()
    total = sum(results.get(timeout=seconds + 120) for _ in processes)
    for process in processes:
        process.join()
    return total


def _lag(after: int, upto: int) -> tuple[float, float, float]:
    """p50, p95 and max seconds from an event's insert to the head that sealed it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT extract(epoch FROM h.sealed_at - e.occurred_at) FROM audit_accessevent e "
            "JOIN audit_treehead h ON e.id BETWEEN h.first_event_id AND h.last_event_id "
            "WHERE e.id > %s AND e.id <= %s",
            [after, upto],
        )
        lags = sorted(float(row[0]) for row in cursor.fetchall())
    return statistics.median(lags), lags[int(0.95 * (len(lags) - 1))], lags[-1]


def _throughput(context, seconds: float, interval: float, rounds: int) -> None:
    """Plain and audit runs alternate ``rounds`` times; the best rate of each is printed (the
    machine is shared: the best run is the one least disturbed), with the sealing lag of the
    best audit run."""
    for path in ("orm", "sql"):
        _run_writers(context, "plain", path, 8, 1.0)
        _run_writers(context, "audit", path, 8, 1.0)
    print(f"\n1-2. Append throughput (best of {rounds} x {seconds:.0f} s) and sealing lag")
    print(
        f"{'writers':>7}{'path':>6}{'plain ev/s':>12}{'audit ev/s':>12}{'ratio':>7}"
        f"{'lag p50 s':>11}{'lag p95 s':>11}{'lag max s':>11}"
    )
    for writers in WRITERS:
        for path in ("orm", "sql"):
            plain, audit = [], []
            for _round in range(rounds):
                plain.append(_run_writers(context, "plain", path, writers, seconds) / seconds)
                audit.append(_audit_run(context, path, writers, seconds, interval))
            best_plain = max(plain)
            best_audit, lag = max(audit)
            print(
                f"{writers:>7}{path:>6}{best_plain:>12,.0f}{best_audit:>12,.0f}"
                f"{best_plain / best_audit:>7.2f}" + "".join(f"{value:>11.2f}" for value in lag),
                flush=True,
            )


def _audit_run(context, path: str, writers: int, seconds: float, interval: float):
    """Writers into the real log with the sealer ticking beside them; after they stop, the
    sealer keeps its schedule until it has sealed their last event."""
    before = _max_id()
    stop, sealed_through = context.Event(), context.Value("q", before)
    sealer = context.Process(target=_sealer, args=(interval, stop, sealed_through))
    sealer.start()
    rate = _run_writers(context, "audit", path, writers, seconds) / seconds
    after = _max_id()
    while sealed_through.value < after:
        time.sleep(0.1)
    stop.set()
    sealer.join()
    return rate, _lag(before, after)


def _sealing_under_load(context, seconds: float, interval: float) -> None:
    rate, (p50, p95, worst) = _audit_run(context, "batch", 8, seconds, interval)
    print(
        f"\n5. Sealing beside 8 writers committing {BATCH} events at a time: {rate:,.0f} events/s"
        f" appended and sealed; lag p50 {p50:.2f} s, p95 {p95:.2f} s, max {worst:.2f} s"
    )


def _backlog(context, writers: int, seconds: float) -> None:
    from audit.sealing.sealer import audit_seal_all

    written = _run_writers(context, "audit", "batch", writers, seconds)
    started = time.perf_counter()
    heads = audit_seal_all(timeout_seconds=600)
    took = time.perf_counter() - started
    print(
        f"\n3. Sealing a backlog: {written:,} events in {heads} head(s) in {took:.2f} s: "
        f"{written / took:,.0f} events/s"
    )


def _verify() -> None:
    from audit.sealing.verification import audit_verify

    report = audit_verify()
    assert report.ok, report.problems[:3]
    per_million = report.seconds / report.events * 1_000_000
    print(
        f"\n4. verify_audit: {report.events:,} events in {report.heads} heads in "
        f"{report.seconds:.2f} s: {report.events / report.seconds:,.0f} events/s, "
        f"about {per_million:.0f} s per million events (extrapolated)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per throughput run")
    parser.add_argument("--rounds", type=int, default=2, help="alternating runs of each")
    parser.add_argument("--seal-interval", type=float, default=5.0, help="as Celery beat")
    parser.add_argument("--backlog-seconds", type=float, default=20.0)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    owner, name = _scratch_database()
    _admin(owner, f'CREATE DATABASE "{name}"')
    url = _with_database(owner, name)
    witness = tempfile.mkdtemp(prefix="cp-audit-bench-witness-")
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="contactpoint.settings.development",
        AUDIT_WITNESS_DIR=witness,
    )
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True
        )
        _django()
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(PLAIN_TABLE)
        print(
            f"scratch database {name}; {os.cpu_count()} CPU cores; "
            f"load average {os.getloadavg()[0]:.1f} before the run"
        )
        context = multiprocessing.get_context("fork")
        _throughput(context, args.seconds, args.seal_interval, args.rounds)
        _backlog(context, writers=8, seconds=args.backlog_seconds)
        _verify()
        _sealing_under_load(context, args.seconds, args.seal_interval)
        connection.close()
    finally:
        shutil.rmtree(witness, ignore_errors=True)
        if not args.keep:
            _admin(owner, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
