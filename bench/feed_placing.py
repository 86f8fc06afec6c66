"""Where the matcher's time goes when a feed is placed (issue 12): per step, per decision.

    .venv/bin/python bench/feed_placing.py --database contactpoint_benchfeed12m_run \\
        --feed .data/bench_feed/<feed>.csv --sample 20000

At national scale the import spends most of its time placing the few records the exact
pass leaves (session 11: 33,303 of 500,000 rows, 724 s of 1,082). This reads a feed the
feed benchmark wrote (``bench/feed_quality.py``), draws ``--sample`` of its records at
random, keeps those the exact pass does not link (as the import would), and places each
on one connection, as one of the import's workers does, timing every step of
``directory.feeds.linking`` (the narrow and the wide candidate reads, the former name's,
the household and shielded checks) by wall time on that connection, and the
PostgreSQL backend's CPU over the whole run from ``/proc``. It writes nothing.

Wall time on one idle connection is the server's time plus a round trip; what it is for
is *which step* costs, per decision (link, new, review), so it prints shares, not a rate.
The import's own ``-v 2`` output, on a fresh copy, is the measure of the whole.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from feeds.database import django_on  # noqa: E402
from proc_cpu import cpu_seconds  # noqa: E402


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a contactpoint_benchfeed* copy")
    parser.add_argument("--feed", type=Path, required=True)
    parser.add_argument("--source", default="school_census")
    parser.add_argument("--sample", type=int, default=20_000, help="records drawn")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--blocks", type=int, default=0,
        help="also time each wide block alone for this many records that went wide",
    )  # fmt: skip
    parser.add_argument(
        "--today", type=date.fromisoformat, default=None,
        help="the day the feed was written (its ages are checked against it)",
    )  # fmt: skip
    return parser.parse_args()


class Clock:
    """Wall seconds per step, with the step each one ran inside (``narrow`` within
    ``place``), so that a step's time is counted once, in its innermost label."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self._stack: list[list] = []

    @contextmanager
    def step(self, label: str):
        frame = [label, time.perf_counter(), 0.0]
        self._stack.append(frame)
        try:
            yield
        finally:
            self._stack.pop()
            spent = time.perf_counter() - frame[1]
            self.seconds[label] += spent - frame[2]
            self.calls[label] += 1
            if self._stack:
                self._stack[-1][2] += spent

    def wrap(self, module, name: str, label) -> None:
        """Replace ``module.name`` by the same function timed under ``label`` (a string,
        or a function of the call's keyword arguments and the enclosing step's label)."""
        original = getattr(module, name)

        def timed(*args, **kwargs):
            parent = self._stack[-1][0] if self._stack else ""
            with self.step(label(kwargs, parent) if callable(label) else label):
                return original(*args, **kwargs)

        setattr(module, name, timed)


def _ranked_label(kwargs: dict, parent: str) -> str:
    """The matcher's one statement, named by the read it serves."""
    if kwargs.get("blocks") is not None:
        return parent
    return f"{parent}: {'wide' if kwargs.get('wide') else 'narrow'} blocks"


def main() -> None:
    args = arguments()
    django_on(args.database)
    from django.db import connection
    from django.utils import timezone

    from access.gateway import matcher
    from directory.feeds import linking
    from directory.feeds.reader import feed_read

    records = feed_read(
        data=args.feed.read_bytes(), source=args.source, today=args.today or timezone.localdate()
    ).records
    drawn = random.Random(args.seed).sample(records, min(args.sample, len(records)))
    exact = linking.exact_links(drawn, using="default")
    left = [r for r in drawn if r.source_record_id not in exact]
    print(f"{len(records):,} records in the feed; {len(drawn):,} drawn; {len(exact):,} agree "
          f"exactly; {len(left):,} to place", flush=True)  # fmt: skip

    clock = Clock()
    clock.wrap(linking, "query_keys_lookup", "keys lookup")
    clock.wrap(linking, "_households", "households")
    clock.wrap(linking, "_shielded_alike", "shielded alike")
    clock.wrap(linking, "candidates_score", "shielded alike: weighed")
    clock.wrap(linking, "candidates_rank", lambda kw, _: "former" if "keys" not in kw else "name")
    clock.wrap(matcher, "_ranked", _ranked_label)
    clock.wrap(linking, "match_model_current", "model")

    passes_of: list[str] = []
    original_place = linking._place

    def counted(row, *, using, wide):
        passes_of.append("wide" if wide else "narrow")
        return original_place(row, using=using, wide=wide)

    linking._place = counted
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    by_decision: dict[str, list[float]] = defaultdict(list)
    passes: Counter[str] = Counter()
    went_wide: set[str] = set()
    steps_by_decision: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    server_before = cpu_seconds(backend)
    started = time.perf_counter()
    for record in left:
        before = dict(clock.seconds)
        one = time.perf_counter()
        passes_of.clear()
        wide_before = clock.calls["name: wide blocks"]
        with clock.step("rest of place"):
            placement = linking.record_place(record.first, using="default")
        spent = time.perf_counter() - one
        by_decision[placement.decision].append(spent)
        passes[f"{placement.decision}: {' + '.join(passes_of)}"] += 1
        if clock.calls["name: wide blocks"] > wide_before:
            went_wide.add(record.source_record_id)
        for label, seconds in clock.seconds.items():
            steps_by_decision[placement.decision][label] += seconds - before.get(label, 0.0)
    wall = time.perf_counter() - started
    server = cpu_seconds(backend) - server_before

    print(f"\nplaced {len(left):,} records in {wall:.1f} s wall on one connection "
          f"({1000 * wall / max(1, len(left)):.1f} ms a record); the backend's CPU "
          f"{server:.1f} s ({100 * server / wall:.0f} % of the wall)\n")  # fmt: skip
    print("| decision | records | ms a record (mean) | share of the wall |")
    print("|---|---:|---:|---:|")
    for decision, times in sorted(by_decision.items()):
        print(f"| {decision} | {len(times):,} | {1000 * sum(times) / len(times):.1f} | "
              f"{100 * sum(times) / wall:.0f} % |")  # fmt: skip
    labels = sorted(clock.seconds, key=lambda k: -clock.seconds[k])
    print("\n| step | calls | ms a call | seconds | " + " | ".join(sorted(by_decision)) + " |")
    print("|---|---:|---:|---:|" + "---:|" * len(by_decision))
    for label in labels:
        per = [f"{steps_by_decision[d][label]:.1f}" for d in sorted(by_decision)]
        print(f"| {label} | {clock.calls[label]:,} | "
              f"{1000 * clock.seconds[label] / max(1, clock.calls[label]):.1f} | "
              f"{clock.seconds[label]:.1f} | " + " | ".join(per) + " |")  # fmt: skip
    print("\npasses per decision (narrow, then wide when the narrow did not settle it):")
    for what, count in passes.most_common():
        print(f"  {what}: {count:,}")
    if args.blocks:
        blocks_time([r for r in left if r.source_record_id in went_wide][: args.blocks])


def blocks_time(records) -> None:
    """Each of the wide stage's blocks run alone (``SELECT count(*)`` of its ids), and the
    whole ranking statement, for ``records``: whether the time is in reading the blocks'
    index entries or in levelling the candidates they give."""
    from django.db import connection

    from access.gateway import matcher
    from directory.feeds.linking import _ACTIVE

    seconds: dict[str, float] = defaultdict(float)
    rows: dict[str, int] = defaultdict(int)
    for record in records:
        row = record.first
        query = matcher.MatchQuery(row["family_name"], row["given_name"], row.date_of_birth)
        keys = matcher.query_keys_lookup(query, using="default")
        sql, params = matcher.candidate_blocks(query, keys.family, keys.given_as_family)
        inner = sql[sql.index("ARRAY(") + len("ARRAY(") : -2]
        at = 0
        with connection.cursor() as cursor:
            for number, block in enumerate(inner.split(" UNION ")):
                count = block.count("%s")
                started = time.perf_counter()
                cursor.execute(f"SELECT count(*) FROM ({block}) AS b", params[at : at + count])
                seconds[f"block {number}: {block[27:95]}"] += time.perf_counter() - started
                rows[f"block {number}: {block[27:95]}"] += cursor.fetchone()[0]
                at += count
        started = time.perf_counter()
        found = matcher.candidates_rank(
            query=query, condition=_ACTIVE, limit=5, using="default", keys=keys, wide=True,
            below_best=30.0,
        )  # fmt: skip
        seconds["the whole wide statement"] += time.perf_counter() - started
        rows["the whole wide statement"] += len(found)
    print(f"\nthe wide blocks alone, {len(records)} records (ms a record, ids a record):")
    for label in seconds:
        print(f"  {1000 * seconds[label] / len(records):7.1f} ms {rows[label] / len(records):9.1f}"
              f"  {label}")  # fmt: skip


if __name__ == "__main__":
    main()
