"""What the web process's bound on PostgreSQL waits costs per query (issue 20).

    .venv/bin/python bench/db_wait_overhead.py [--queries 20000] [--rounds 5]

``contactpoint.db_wait`` makes psycopg2 wait through a Python callback (so that a frozen
server cannot hold a request without end). This runs the same trivial query with libpq's own
blocking wait (the floor) and with the callback, interleaved round by round, on the embedded
PostgreSQL named by ``DATABASE_URL`` (or ``.data/stack.env``), and prints the client's CPU per
query (from /proc/self/stat) and wall time per query for each, with their ratios. A trivial
query is the worst case: a real lookup spends far longer in PostgreSQL and in Django.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg2
from psycopg2 import extensions

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from contactpoint.db_wait import silence_bounded_wait  # noqa: E402 - after the path

_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds() -> float:
    fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        env = ROOT / ".data" / "stack.env"
        for line in env.read_text().splitlines():
            if line.startswith("DATABASE_URL="):
                url = line.split("=", 1)[1]
    return url


def _round(url: str, queries: int) -> tuple[float, float]:
    connection = psycopg2.connect(url)
    cursor = connection.cursor()
    for _ in range(200):
        cursor.execute("SELECT 1")
        cursor.fetchone()
    cpu, wall = _cpu_seconds(), time.perf_counter()
    for _ in range(queries):
        cursor.execute("SELECT 1")
        cursor.fetchone()
    cpu, wall = _cpu_seconds() - cpu, time.perf_counter() - wall
    connection.close()
    return cpu / queries * 1e6, wall / queries * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    url = _url()
    bounded = silence_bounded_wait(silence_seconds=6, connect_seconds=2)
    results: dict[str, list[tuple[float, float]]] = {"libpq (floor)": [], "bounded": []}
    for _ in range(args.rounds):
        extensions.set_wait_callback(None)
        results["libpq (floor)"].append(_round(url, args.queries))
        extensions.set_wait_callback(bounded)
        results["bounded"].append(_round(url, args.queries))
    extensions.set_wait_callback(None)
    medians = {
        name: (statistics.median(c for c, _ in rows), statistics.median(w for _, w in rows))
        for name, rows in results.items()
    }
    print(f"{args.queries} x SELECT 1 per round, {args.rounds} interleaved rounds, medians:")
    for name, (cpu, wall) in medians.items():
        print(f"  {name:14} client CPU {cpu:6.1f} us/query   wall {wall:6.1f} us/query")
    floor_cpu, floor_wall = medians["libpq (floor)"]
    cpu, wall = medians["bounded"]
    print(f"  ratio bounded/floor: CPU {cpu / floor_cpu:.2f}, wall {wall / floor_wall:.2f}")
    print(f"  added per query: CPU {cpu - floor_cpu:+.1f} us, wall {wall - floor_wall:+.1f} us")


if __name__ == "__main__":
    main()
