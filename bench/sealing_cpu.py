"""CPU that sealing adds to a record view, with and without opening, interleaved.

Usage: python bench/sealing_cpu.py --database contactpoint_bench500k [--views 2000] [--repeats 5]

A record view reads the child row and the carers' rows and shows their address and contacts.
Each round draws ``--views`` random active children and, in alternating batches of 100 in the
same process, does the same reads two ways: **sealed** opens every sealed value the record
shows (4 per child, 3 per carer: AES-GCM through ``directory/sealing``), **floor** reads the
same rows and touches the sealed bytes without opening them (what a plaintext column costs).
CPU is this process's user + system time from /proc, so PostgreSQL's share (the same rows
either way) is left out. It prints per-view CPU of each, the difference and the ratio, for
each repeat, and the median.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_scale import database_urls  # noqa: E402

BATCH = 100


def cpu() -> float:
    fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--views", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    app, owner = database_urls(args.database)
    os.environ["DATABASE_URL"] = os.environ["DATABASE_OWNER_URL"] = owner
    import _django

    _django.setup()
    from django.db import connection

    from directory.models import Carer, Child

    rng = random.Random(args.seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM directory_child")
        top = cursor.fetchone()[0]
    print(f"{args.database}: {top:,} children; {args.views} views a side per repeat")

    def views(ids: list[int], *, opened: bool) -> int:
        shown = 0
        for child in Child.objects.filter(pk__in=ids):
            carers = list(Carer.objects.filter(child_id=child.pk))
            if opened:
                parts = [getattr(child, name) for name in Child.SEALED]
                parts += [getattr(c, name) for c in carers for name in Carer.SEALED]
            else:
                parts = [getattr(child, f"{name}_sealed") for name in Child.SEALED]
                parts += [getattr(c, f"{name}_sealed") for c in carers for name in Carer.SEALED]
            shown += sum(len(p or "") for p in parts) > 0
        return shown

    views([rng.randint(1, top) for _ in range(BATCH)], opened=True)  # keys unwrapped, warm
    results = []
    for repeat in range(1, args.repeats + 1):
        spent = {True: 0.0, False: 0.0}
        count = {True: 0, False: 0}
        for _ in range(args.views // BATCH):
            ids = [rng.randint(1, top) for _ in range(BATCH)]
            for opened in (True, False) if rng.random() < 0.5 else (False, True):
                started = cpu()
                count[opened] += views(ids, opened=opened)
                spent[opened] += cpu() - started
        sealed_ms = 1000 * spent[True] / max(1, count[True])
        floor_ms = 1000 * spent[False] / max(1, count[False])
        results.append((sealed_ms, floor_ms))
        print(
            f"repeat {repeat}: sealed {sealed_ms:.3f} ms/view, floor {floor_ms:.3f} ms/view, "
            f"added {sealed_ms - floor_ms:.3f} ms, ratio {sealed_ms / floor_ms:.2f}"
        )
    sealed = statistics.median(r[0] for r in results)
    floor = statistics.median(r[1] for r in results)
    print(
        f"median: sealed {sealed:.3f}, floor {floor:.3f} ms/view; added {sealed - floor:.3f} ms "
        f"CPU per record view (ratio {sealed / floor:.2f})"
    )


if __name__ == "__main__":
    main()
