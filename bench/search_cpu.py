"""CPU per search: this checkout's search beside an earlier revision's, interleaved in one run.

    .venv/bin/python bench/search_cpu.py --database contactpoint_bench500k --baseline 1297963

Two worker processes search the same queries in the same order through ``child_search``
(vetting, rate limit, scoped query, audit insert and commit), as children's services of the
authority each child lives in: one runs this checkout, the other a git worktree of
``--baseline`` (made under /tmp on first use, sharing this checkout's ``.data/``). The
parent alternates batches between them (baseline, current, baseline, …) and, for each
batch, reads from /proc the CPU time (user + system) of the worker and of its PostgreSQL
backends (the default and the audit connections). It prints CPU per search for both, per
round, and the medians and their difference. Wall time is not reported: on a shared,
noisy machine CPU time is the honest measure of cost; interleaving puts both under the
same load.

Queries: random active children of the world, searched with family name, given name and
date of birth (``--shape full``), family name and date of birth (``dob``), family and
given name (``names``), or family and given name and full postcode (``postcode``), as
recorded (``--kind exact``: what a search costs when the details are right) or with the
family name mistyped (``typo``: one slip, as ``search_scale.py`` makes them), the given name
as a nickname (``nickname``) or the family name spelt as it sounds (``phonetic``). The last
three are the searches whose first, narrow stage may find no strong match, so they pay for
the wide blocks too; a child with no such variant is searched as recorded.
Redis's CPU (rate limit) is not counted; it is the same code on both sides.

``--break-glass``: the same children found by a break-glass whole-directory search
(``directory_search``: vetting, rate limit, the request's search taken, the strict match,
the audit insert and commit) of ``search_scale.py``'s break-glass user, each worker with an
emergency request of its own, opened before the timed batches; a break-glass search needs a
date of birth or a full postcode (``--shape full``, ``dob`` or ``postcode``). The cap on
searches per request is lifted, as the rate limit is.

``--baseline-database``: the baseline searches a database of its own — the same world at
the baseline's schema (a copy made before a migration that changes how rows are stored,
such as the sealed addresses of issue 15), so that a change in storage is measured with
both sides on the same children. The benchmark's users are made in ``--database`` only:
copy the world after a first run has made them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def worker(root: Path, database: str) -> None:
    """Answer "batch <file>" lines: run those searches, print the CPU they cost."""
    sys.path.insert(0, str(ROOT / "bench"))
    from proc_cpu import backend_pids, cpu_seconds
    from search_scale import database_urls

    app, owner = database_urls(database)
    os.environ.update(DATABASE_URL=app, DATABASE_OWNER_URL=owner)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactpoint.settings.development")
    sys.path.insert(0, str(root))
    os.chdir(root)
    import django

    django.setup()
    from django.conf import settings

    from access.models import User

    settings.LOOKUP_RATE_LIMIT = 10**9
    settings.BREAK_GLASS_SEARCHES_PER_REQUEST = 10**9
    users: dict[str, User] = {}
    requests: dict[str, tuple] = {}
    for line in sys.stdin:
        queries = json.loads(Path(line.split(" ", 1)[1].strip()).read_text())
        for query in queries:
            user = users.get(query["user"]) or User.objects.select_related(
                "organisation__local_authority"
            ).get(username=query["user"])
            users[query["user"]] = user
            if query["break_glass"]:
                requests[user.username] = request_renewed(user, requests.get(user.username))
        backends = backend_pids()
        before = cpu_seconds(os.getpid()), sum(cpu_seconds(p) for p in backends)
        for query in queries:
            search_one(query, users[query["user"]], requests)
        backends = backend_pids() | backends
        after = cpu_seconds(os.getpid()), sum(cpu_seconds(p) for p in backends)
        print(json.dumps({"python": after[0] - before[0], "postgres": after[1] - before[1]}))
        sys.stdout.flush()


def search_one(query: dict, user, requests: dict) -> None:
    """One search of ``query`` by ``user``, as the search page (or the break-glass search
    page, with the user's open request) makes it."""
    from datetime import date

    from access.gateway import SearchCriteria, child_search
    from access.gateway.break_glass import directory_search
    from audit.writer import Actor

    actor = Actor(user.pk, user.username, user.role, user.organisation_id, None, "bench")
    criteria = SearchCriteria(
        family_name=query["family_name"],
        given_name=query["given_name"],
        date_of_birth=date.fromisoformat(query["dob"]) if query["dob"] else None,
        postcode=query["postcode"],
        purpose="current_involvement",
    )
    if query["break_glass"]:
        request = requests[user.username][0]
        directory_search(user=user, request=request, criteria=criteria, actor=actor)
    else:
        child_search(user=user, criteria=criteria, actor=actor)


def request_renewed(user, held: tuple | None) -> tuple:
    """(request, opened at): ``held`` while it has minutes left to search in, else a new
    emergency request (opened outside the timed batch)."""
    import time

    from django.conf import settings

    from access.gateway.break_glass import access_request_open
    from audit.writer import Actor

    window = settings.GRANT_CHOOSE_WITHIN_MINUTES * 60
    if held is not None and time.monotonic() - held[1] < window / 2:
        return held
    actor = Actor(user.pk, user.username, user.role, user.organisation_id, None, "bench")
    request = access_request_open(
        user=user,
        kind="emergency",
        reason="risk_of_harm",
        justification="Benchmark: CPU of a whole-directory search.",
        actor=actor,
    )
    return request, time.monotonic()


def queries_draw(
    database: str, count: int, shape: str, seed: int, kind: str, *, break_glass: bool = False
) -> list[dict]:
    """Random active children and a children's-services user of their authority each (or
    the break-glass user), the names changed as ``kind`` says."""
    sys.path.insert(0, str(ROOT / "bench"))
    from search_scale import bench_user, django_setup, nickname, sound_alike, typo, users_ensure

    django_setup(database)
    from django.db import connection

    from directory.models import Child, Organisation

    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM directory_child")
        top = cursor.fetchone()[0]
        cursor.execute(
            "SELECT family_name, given_name, date_of_birth, local_authority_id, public_id,"
            " postcode_sealed FROM directory_child WHERE id = ANY(%s) AND status = 'active'"
            " AND (%s OR NOT shielded) LIMIT %s",
            [[rng.randint(1, top) for _ in range(count * 2)], not break_glass, count],
        )
        rows = cursor.fetchall()
        changed = []
        for family, given, born, authority, public_id, sealed in rows:
            postcode = Child.sealed_text("postcode", sealed, row=public_id)
            if kind == "typo":
                family = typo(family, rng)
            elif kind == "phonetic":
                family = sound_alike(family, cursor) or family
            elif kind == "nickname":
                given = nickname(given, rng) or given
            changed.append((family, given, born, authority, postcode))
        rows = changed
    if break_glass:
        breaking = users_ensure()["break-glass"].username
        councils = dict.fromkeys({row[3] for row in rows}, breaking)
    else:
        councils = {
            authority: bench_user(f"bench.council.{authority}", organisation).username
            for authority, organisation in Organisation.objects.filter(
                kind=Organisation.Kind.LA_CHILDRENS_SERVICES,
                local_authority_id__in={row[3] for row in rows},
            ).values_list("local_authority_id", "pk")
        }
    return [
        {
            "user": councils[authority],
            "break_glass": break_glass,
            "family_name": family,
            "given_name": given if shape in ("full", "names", "postcode") else "",
            "dob": born.isoformat() if shape in ("full", "dob") else "",
            "postcode": postcode if shape == "postcode" else "",
        }
        for family, given, born, authority, postcode in rows
    ]


def baseline_tree(revision: str) -> Path:
    """A worktree of ``revision`` beside the bench's scratch files, sharing .data/."""
    tree = Path(tempfile.gettempdir()) / f"contactpoint-baseline-{revision}"
    if not tree.exists():
        subprocess.run(
            [shutil.which("git") or "git", "-C", str(ROOT), "worktree", "add", "--detach"]
            + [str(tree), revision],
            check=True,
            capture_output=True,
        )
        (tree / ".data").symlink_to(ROOT / ".data")
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="contactpoint_bench500k")
    parser.add_argument("--baseline-database", help="the baseline's database (default: --database)")
    parser.add_argument("--baseline", help="git revision to compare with (required)")
    parser.add_argument("--shape", choices=("full", "dob", "names", "postcode"), default="full")
    parser.add_argument(
        "--break-glass", action="store_true", help="time break-glass directory searches"
    )
    parser.add_argument(
        "--kind", choices=("exact", "typo", "nickname", "phonetic"), default="exact"
    )
    parser.add_argument("--searches", type=int, default=100, help="searches per batch")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(Path(args.worker), args.database)
        return
    if not args.baseline:
        parser.error("--baseline is required")
    if args.break_glass and args.shape == "names":
        parser.error("a break-glass search needs a date of birth or a full postcode")
    queries = queries_draw(
        args.database, args.searches, args.shape, args.seed, args.kind,
        break_glass=args.break_glass,
    )  # fmt: skip
    batch = Path(tempfile.mkstemp(prefix="search-cpu-", suffix=".json")[1])
    batch.write_text(json.dumps(queries))
    sides = {"baseline": baseline_tree(args.baseline), "current": ROOT}
    databases = {"baseline": args.baseline_database or args.database, "current": args.database}
    workers = {
        name: subprocess.Popen(
            [sys.executable, __file__, "--worker", str(tree), "--database", databases[name]],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name, tree in sides.items()
    }
    per_search: dict[str, list[float]] = {name: [] for name in sides}
    print(
        f"{len(queries)} {'break-glass ' if args.break_glass else ''}searches a batch, "
        f"shape {args.shape}, kind {args.kind}; "
        "ms of CPU per search"
    )
    print(f"{'round':>5} {'baseline py+pg':>16} {'current py+pg':>16} {'difference':>11}")
    for round_number in range(args.rounds + 1):  # round 0 warms both caches, untimed
        costs = {}
        # Alternate who goes first, so neither side always meets the other's leftovers.
        order = list(workers.items())[:: 1 if round_number % 2 else -1]
        for name, process in order:
            process.stdin.write(f"batch {batch}\n")
            process.stdin.flush()
            measured = json.loads(process.stdout.readline())
            costs[name] = measured
        if round_number == 0:
            continue
        cells = []
        for name in sides:
            py, pg = (1000 * costs[name][k] / len(queries) for k in ("python", "postgres"))
            per_search[name].append(py + pg)
            cells.append(f"{py:6.2f}+{pg:5.2f}")
        difference = per_search["current"][-1] - per_search["baseline"][-1]
        print(f"{round_number:>5} {cells[0]:>16} {cells[1]:>16} {difference:>+11.2f}")
    for process in workers.values():
        process.stdin.close()
        process.wait()
    baseline, current = (statistics.median(per_search[n]) for n in ("baseline", "current"))
    print(
        f"median: baseline {baseline:.2f} ms, current {current:.2f} ms, "
        f"difference {current - baseline:+.2f} ms ({current / baseline:.2f}x)"
    )


if __name__ == "__main__":
    main()
