"""How long retention takes to destroy expired records, and whether the log still verifies.

    .venv/bin/python bench/retention_destroy.py --template contactpoint_benchfeed200k_base \\
        --expired 20000 --events-per-child 3

One run, on a fresh copy of a world built by ``bench/world_build.py`` (kept as a template, so
the world itself is never touched): ``--expired`` children, drawn by a hash of their id, are
set archived seven years ago (the clock simulated: their six years are up), each with
``--events-per-child`` audit events naming them (a search whose criteria typed their name,
date of birth and postcode and whose results held them, and record views), written as the
application writes them (leaf version 2, through the synthetic-history loader). The log is
sealed; then ``manage.py apply_retention`` runs as beat would, timed (wall time, and CPU of
the command and of PostgreSQL from /proc); then the log is sealed again and
``manage.py verify_audit`` must pass. Printed: records destroyed and events forgotten per
second, and what that means for a night.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from feeds.database import owner_url, stack_env  # noqa: E402
from feeds.run import _postgres_cpu as postgres_cpu_seconds  # noqa: E402

PREFIX = "contactpoint_benchretention"
NATIONAL_CHILDREN = 12_000_000


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", default="contactpoint_benchfeed200k_base")
    parser.add_argument("--database", default=f"{PREFIX}_run")
    parser.add_argument("--expired", type=int, default=20_000)
    parser.add_argument("--events-per-child", type=int, default=3)
    return parser.parse_args()


def copy_fresh(template: str, name: str) -> None:
    import psycopg2

    if not name.startswith(PREFIX):
        sys.exit(f"the run database must start with {PREFIX}")
    admin = psycopg2.connect(owner_url())
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    admin.close()


# The run's own witness of signed heads: the development witness belongs to another log.
WITNESS = ROOT / ".data" / "bench_retention_witness"


def manage(name: str, *args: str) -> tuple[float, float, str]:
    """Run a management command on ``name``; wall and child CPU seconds, and its output."""
    env = {
        **os.environ, **stack_env(), "DATABASE_URL": owner_url(name),
        "AUDIT_WITNESS_DIR": str(WITNESS),
    }  # fmt: skip
    before = os.times()
    started = time.perf_counter()
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - started
    after = os.times()
    if done.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return wall, cpu, done.stdout.strip()


def expire(name: str, *, expired: int, events: int, today: date) -> int:
    """Archive ``expired`` children seven years ago and write their audit history."""
    os.environ["DATABASE_URL"] = owner_url(name)
    os.environ.update({k: v for k, v in stack_env().items() if k != "DATABASE_URL"})
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactpoint.settings.development")
    import django

    django.setup()
    from django.db import connection, transaction

    from audit.writer import Actor, PastEvent, access_events_load_synthetic

    archived_on = today - timedelta(days=7 * 366)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH chosen AS (
                SELECT id FROM directory_child WHERE status = 'active'
                ORDER BY md5(id::text) LIMIT %s)
            UPDATE directory_child c SET status = 'archived', archived_on = %s
            FROM chosen WHERE c.id = chosen.id
            RETURNING c.public_id, c.family_name, c.given_name, c.date_of_birth, c.postcode_sealed
            """,
            [expired, archived_on],
        )
        children = cursor.fetchall()
    actor = Actor(1, "bench.practitioner", "practitioner", None, "192.0.2.1", "bench")
    moment = today - timedelta(days=7 * 366 + 30)

    def history():
        from directory.models import Child

        for public_id, family, given, dob, sealed in children:
            postcode = Child.sealed_text("postcode", sealed, row=public_id)
            criteria = {"family_name": family, "given_name": given,
                        "date_of_birth": dob.isoformat(), "postcode": postcode}  # fmt: skip
            yield PastEvent(moment, actor, "search", "shown", "referral", criteria, (public_id,))
            for _ in range(events - 1):
                yield PastEvent(moment, actor, "view", "shown", "referral",
                                child_public_id=public_id)  # fmt: skip

    with transaction.atomic():
        written = access_events_load_synthetic(history())
    return written


def main() -> None:
    args = arguments()
    today = date.today()
    started = time.perf_counter()
    copy_fresh(args.template, args.database)
    shutil.rmtree(WITNESS, ignore_errors=True)
    manage(args.database, "migrate", "--noinput")
    written = expire(args.database, expired=args.expired, events=args.events_per_child,
                     today=today)  # fmt: skip
    seal_wall, _, _ = manage(args.database, "seal_audit")
    load = os.getloadavg()[0]
    pg_before = postgres_cpu_seconds()
    wall, cpu, output = manage(args.database, "apply_retention", "--today", today.isoformat())
    pg_cpu = postgres_cpu_seconds() - pg_before if pg_before is not None else None
    manage(args.database, "seal_audit")
    verify_wall, _, verified = manage(args.database, "verify_audit")
    per_second = args.expired / wall
    nightly = NATIONAL_CHILDREN / 18 / 365
    print(f"# Retention destruction on {args.database} (copy of {args.template}), {today}")
    print(f"{args.expired:,} expired records, {written:,} audit events naming them")
    print(f"apply_retention: {output}")
    server = "unknown" if pg_cpu is None else f"{pg_cpu:.1f} s"
    print(
        f"wall {wall:.1f} s, command CPU {cpu:.1f} s, PostgreSQL CPU {server} "
        f"(load average {load:.2f} at the start)"
    )
    print(
        f"{per_second:,.0f} records destroyed per second, {written / wall:,.0f} events forgotten "
        f"per second"
    )
    print(
        f"a national directory destroys about {nightly:,.0f} records a night once in steady "
        f"state (12 million children over 18 years' birthdays): {nightly / per_second:.1f} s; "
        f"a whole year's backlog ({nightly * 365:,.0f}) {nightly * 365 / per_second / 60:.1f} min"
    )
    verdict = next((line for line in verified.splitlines() if "intact" in line), verified)
    print(f"verify_audit after: {verdict} ({verify_wall:.1f} s)")
    print(
        f"whole benchmark {time.perf_counter() - started:.0f} s (sealing before: {seal_wall:.1f} s)"
    )


if __name__ == "__main__":
    main()
