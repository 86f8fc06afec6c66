"""How well ``import_feed`` links a feed to the children held, beside recordlinkage (issue 12).

    .venv/bin/python bench/feed_quality.py --children 50000 --rows 2000
    .venv/bin/python bench/feed_quality.py --database contactpoint_benchfeed200k \\
        --children 200000 --rows 20000 --source gp_registrations --out
    .venv/bin/python bench/feed_quality.py --database contactpoint_benchfeed12m \\
        --children 12000000 --mix realistic --rows 500000 --lib-sample 5000 --out

One run: a synthetic world (``bench/world_build.py``) is built once into
``<database>_base`` and kept as a template; each run copies it to ``<database>_run`` (the
import changes the directory, and the copy is dropped at the next run, so every run starts
from the same world), shields more children in the copy if the world has too few for the
feed's shielded rows (reported), writes a feed of ``--rows`` rows and its truth
(``bench/feeds/generate.py`` says what is in it, in which shares and why; ``--mix harsh``
for quality per kind, ``--mix realistic`` for a recurring census, the throughput goal),
runs ``manage.py import_feed`` on it as a user would and times it, reads each row's
decision back from ``directory_feedlink`` and ``directory_feedreview``, and scores it. In
the same run, the Python Record Linkage Toolkit links the same rows to the same children
(``bench/feeds/yardstick.py``; install it with ``pip install -e '.[bench]'``).

``--lib-sample N`` gives the toolkit a random sample of N rows only, and scores ours on
that sample beside it as well as on every row: at 12 million children a row has thousands
of candidate pairs in the toolkit's blocks, compared one Python call each, which for
500,000 rows would take days. The report is written once without the toolkit, as soon as
the import is scored, and again with it.

The feed and truth files stay in ``.data/bench_feed/`` (with the import's output, in
``<feed>.log`` while it runs) and the run's copy stays in PostgreSQL, so a surprising row
can be looked at afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date
from functools import partial

from feeds.database import ROOT, base_build, connect, copy_fresh, database_exists, django_on
from feeds.generate import MIXES, feed_make, feed_write, shielded_needed
from feeds.report import headline, kind_table, reviews_summary
from feeds.run import import_run
from feeds.score import decisions_read, yardstick_decisions
from feeds.world import shield_more, world_read
from feeds.yardstick import held_frame, yardstick_link

SOURCES = ("school_census", "gp_registrations", "la_social_care")
WORK = ROOT / ".data" / "bench_feed"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="contactpoint_benchfeed")
    parser.add_argument("--children", type=int, default=200_000, help="world size, if built")
    parser.add_argument(
        "--copy",
        default="run",
        help="the run's copy is <database>_<copy>: two runs on one world at once need two",
    )
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--source", choices=SOURCES, default="school_census")
    parser.add_argument("--mix", choices=sorted(MIXES), default="harsh")
    parser.add_argument(
        "--lib-sample", type=int, default=0, help="rows recordlinkage links (0: all of them)"
    )
    parser.add_argument(
        "--out",
        action="store_true",
        help="write bench/results/feed_quality_<world>_<mix>_<rows>_<source>.txt",
    )
    return parser.parse_args()


def world_ready(args) -> tuple[str, str]:
    base, copy = f"{args.database}_base", f"{args.database}_{args.copy}"
    if not database_exists(base):
        print(f"building {base} ({args.children:,} children)", flush=True)
        base_build(base, children=args.children, seed=args.seed)
    copy_fresh(base, copy)
    return base, copy


def step(started: float, what: str) -> None:
    print(f"[{time.perf_counter() - started:7.0f} s] {what}", flush=True)


def scale(children: int) -> str:
    return f"{children / 1e6:.0f}m" if children >= 1_000_000 else f"{children / 1e3:.0f}k"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min)"


def main() -> None:
    args = arguments()
    started = time.perf_counter()
    base, copy = world_ready(args)
    step(started, f"{copy} copied from {base} and migrated")
    django_on(copy)
    connection = connect(copy)
    added = shield_more(connection, wanted=shielded_needed(args.rows, args.mix), seed=args.seed)
    world = world_read(connection, rows=args.rows, seed=args.seed)
    step(started, f"world read: {len(world.children):,} of {world.active:,} active children")
    today = date.today()
    rows = feed_make(
        world, source=args.source, rows=args.rows, seed=args.seed, today=today, mix=args.mix
    )
    WORK.mkdir(parents=True, exist_ok=True)
    stem = f"{copy}_{args.source}_{args.mix}_{len(rows)}_seed{args.seed}"
    feed, truth = WORK / f"{stem}.csv", WORK / f"{stem}.truth.csv"
    feed_write(rows, feed, truth)
    active, shielded = world.active, world.shielded
    del world
    step(started, f"feed {feed} ({len(rows):,} rows); import_feed starts, {load()}")

    timing = import_run(copy, feed, args.source)
    step(started, f"import_feed done, {load()}")
    print(timing.output, flush=True)
    if timing.returncode != 0:
        sys.exit(f"import_feed exited {timing.returncode}: nothing to score")
    ours = decisions_read(connection, args.source)
    server = f"{timing.postgres_cpu:.1f} s" if timing.postgres_cpu is not None else "unknown"
    title = (
        f"# Feed linking: {args.source}, {args.mix} mix, {len(rows):,} rows against "
        f"{active:,} active children ({base}, seed {args.seed}, {today})"
    )
    sections = [
        title,
        f"Shielded children in the world: {shielded:,} ({added:,} shielded by this "
        f"benchmark in {copy} for the feed's shielded rows).",
        f"import_feed: wall {timing.wall:.1f} s, command CPU {timing.command_cpu:.1f} s, "
        f"PostgreSQL CPU {server} (the whole server, whatever else ran on it); "
        f"{len(rows) / timing.wall:,.0f} rows/s; {load()} when it ended. Its output:\n\n"
        + "\n".join(f"    {line}" for line in timing.output.splitlines()),
        "## Every row (ours)",
        kind_table(rows, ours, None),
        headline(rows, ours, None),
        "What went to review:\n\n" + reviews_summary(rows, ours),
    ]
    name = f"feed_quality_{scale(active)}_{args.mix}_{len(rows)}_{args.source}.txt"
    out = ROOT / "bench" / "results" / name
    _report(sections + ["recordlinkage: still running when this was written."], out, args)

    sample = rows
    if 0 < args.lib_sample < len(rows):
        sample = random.Random(f"lib-sample:{args.seed}").sample(rows, args.lib_sample)
    lib_started = time.perf_counter()
    held = held_frame(connection_base := connect(base))
    connection_base.close()
    step(started, f"recordlinkage: {len(held.public_ids):,} children read from {base}")
    lib = yardstick_decisions(
        yardstick_link(held, sample, progress=partial(_lib_progress, started))
    )
    lib_seconds = time.perf_counter() - lib_started
    connection.close()
    which = "every row" if sample is rows else f"a random sample of {len(sample):,} rows"
    sections += [
        f"## Beside recordlinkage, on {which}",
        kind_table(sample, ours, lib),
        headline(sample, ours, lib),
        f"recordlinkage: {lib_seconds:.0f} s (reading the children and linking {which}). "
        f"Whole benchmark: {time.perf_counter() - started:.0f} s; {load()}.",
    ]
    _report(sections, out, args)


def _lib_progress(started: float, done: int, pairs: int) -> None:
    step(started, f"recordlinkage: {done:,} rows linked, {pairs:,} candidate pairs")


def _report(sections: list[str], out, args) -> None:
    report = "\n\n".join(sections)
    print(report, flush=True)
    if args.out:
        out.write_text(report + "\n")
        print(f"\nwritten to {out.relative_to(ROOT)}", flush=True)


if __name__ == "__main__":
    main()
