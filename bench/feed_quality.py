"""How well ``import_feed`` links a feed to the children held, beside recordlinkage (issue 12).

    .venv/bin/python bench/feed_quality.py --children 50000 --rows 2000
    .venv/bin/python bench/feed_quality.py --database contactpoint_benchfeed200k \\
        --children 200000 --rows 20000 --source gp_registrations --out

One run: a synthetic world (``bench/world_build.py``) is built once into
``<database>_base`` and kept as a template; each run copies it to ``<database>_run`` (the
import changes the directory, and the copy is dropped at the next run, so every run starts
from the same world), shields more children in the copy if the world has too few for the
feed's shielded rows (reported), writes a feed of ``--rows`` rows and its truth
(``bench/feeds/generate.py`` says what is in it, in which shares and why), runs
``manage.py import_feed`` on it as a user would and times it, reads each row's decision
back from ``directory_feedlink`` and ``directory_feedreview``, and scores it. In the same
run, the Python Record Linkage Toolkit links the same rows to the same children
(``bench/feeds/yardstick.py``; install it with ``pip install -e '.[bench]'``).

The feed and truth files stay in ``.data/bench_feed/`` and the run's copy stays in
PostgreSQL, so a surprising row can be looked at afterwards.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date

from feeds.database import ROOT, base_build, connect, copy_fresh, database_exists
from feeds.generate import feed_make, feed_write, shielded_needed
from feeds.report import headline, kind_table, reviews_summary
from feeds.run import import_run
from feeds.score import decisions_read, yardstick_decisions
from feeds.world import shield_more, world_read
from feeds.yardstick import yardstick_link

SOURCES = ("school_census", "gp_registrations", "la_social_care")
WORK = ROOT / ".data" / "bench_feed"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="contactpoint_benchfeed")
    parser.add_argument("--children", type=int, default=200_000, help="world size, if built")
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--source", choices=SOURCES, default="school_census")
    parser.add_argument(
        "--out", action="store_true", help="write bench/results/feed_quality_<rows>_<source>.txt"
    )
    return parser.parse_args()


def world_ready(args) -> tuple[str, str]:
    base, copy = f"{args.database}_base", f"{args.database}_run"
    if not database_exists(base):
        print(f"building {base} ({args.children:,} children)", flush=True)
        base_build(base, children=args.children, seed=args.seed)
    copy_fresh(base, copy)
    return base, copy


def main() -> None:
    args = arguments()
    started = time.perf_counter()
    base, copy = world_ready(args)
    connection = connect(copy)
    added = shield_more(connection, wanted=shielded_needed(args.rows), seed=args.seed)
    world = world_read(connection)
    today = date.today()
    rows = feed_make(world, source=args.source, rows=args.rows, seed=args.seed, today=today)
    WORK.mkdir(parents=True, exist_ok=True)
    stem = f"{copy}_{args.source}_{len(rows)}_seed{args.seed}"
    feed, truth = WORK / f"{stem}.csv", WORK / f"{stem}.truth.csv"
    feed_write(rows, feed, truth)
    print(f"{copy}: {len(world.children):,} active children; feed {feed}", flush=True)

    timing = import_run(copy, feed, args.source)
    print(timing.output, flush=True)
    if timing.returncode != 0:
        sys.exit(f"import_feed exited {timing.returncode}: nothing to score")
    ours = decisions_read(connection, args.source)
    connection.close()

    lib_started = time.perf_counter()
    lib = yardstick_decisions(yardstick_link(world.children, rows))
    lib_seconds = time.perf_counter() - lib_started

    server = f"{timing.postgres_cpu:.1f} s" if timing.postgres_cpu is not None else "unknown"
    report = "\n\n".join(
        [
            f"# Feed linking: {args.source}, {len(rows):,} rows against {len(world.children):,} "
            f"active children ({base}, seed {args.seed}, {today})",
            f"Shielded children in the world: {sum(c.shielded for c in world.children):,} "
            f"({added:,} shielded by this benchmark in {copy} for the feed's shielded rows).",
            kind_table(rows, ours, lib),
            headline(rows, ours, lib),
            "What went to review:\n\n" + reviews_summary(rows, ours),
            f"import_feed: wall {timing.wall:.1f} s, command CPU {timing.command_cpu:.1f} s, "
            f"PostgreSQL CPU {server} (the whole server, whatever else ran on it); "
            f"{len(rows) / timing.wall:,.0f} rows/s. recordlinkage: {lib_seconds:.1f} s. "
            f"Whole benchmark: {time.perf_counter() - started:.0f} s.",
        ]
    )
    print(report)
    if args.out:
        out = ROOT / "bench" / "results" / f"feed_quality_{len(rows)}_{args.source}.txt"
        out.write_text(report + "\n")
        print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
