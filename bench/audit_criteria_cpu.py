"""CPU that sealing a typed postcode adds to writing a search's audit event, interleaved.

Usage: python bench/audit_criteria_cpu.py --database contactpoint_look [--events 2000] [--repeats 5]

A search with a postcode writes one audit event whose criteria hold the postcode sealed
(``audit/sealed_criteria.py``). Each repeat writes ``--events`` events through the real writer
(``access_event_record``, one transaction per batch of 100, rolled back so the log is left as
it was), in alternating batches: **sealed** types a postcode; **floor** types the same text
under a criteria key that is not sealed (what the event cost before: the same insert, the
same JSON, the same digest). CPU is this process's and its PostgreSQL backend's user + system
time from /proc (``proc_cpu.py``). Prints µs per event of each, the difference and the ratio,
per repeat, and the medians. Needs any migrated database (nothing is kept).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proc_cpu import backend_pids, cpu_seconds  # noqa: E402
from search_scale import django_setup  # noqa: E402

BATCH = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    django_setup(args.database)
    from django.db import transaction

    from audit.models import AccessEvent
    from audit.writer import Actor, access_event_record

    actor = Actor(1, "bench", "practitioner", None, "10.0.0.1", "bench")
    rng = random.Random(1)

    def write(key: str) -> None:
        with transaction.atomic():
            for _ in range(BATCH):
                postcode = f"LS{rng.randint(1, 29)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}Q"
                access_event_record(
                    actor=actor,
                    action=AccessEvent.Action.SEARCH,
                    outcome=AccessEvent.Outcome.SHOWN,
                    purpose="referral",
                    criteria={"family_name": "Thompson", key: postcode},
                    result_ids=["C0000001"],
                )
            transaction.set_rollback(True)

    write("postcode")  # warm: the audit key unwrapped, the statement built
    pids = [os.getpid(), *backend_pids()]

    def spent() -> float:
        return sum(cpu_seconds(pid) for pid in pids)

    print(f"{args.events} events a repeat, batches of {BATCH}; µs of CPU per event")
    print("repeat    sealed     floor      diff    ratio")
    diffs, ratios = [], []
    for repeat in range(1, args.repeats + 1):
        totals = {"postcode": 0.0, "typed_text": 0.0}
        for batch in range(args.events // BATCH):
            order = ("postcode", "typed_text") if batch % 2 else ("typed_text", "postcode")
            for key in order:
                before = spent()
                write(key)
                totals[key] += spent() - before
        sealed, floor = (totals[k] / args.events * 1e6 for k in ("postcode", "typed_text"))
        diffs.append(sealed - floor)
        ratios.append(sealed / floor)
        print(f"{repeat:6} {sealed:9.1f} {floor:9.1f} {sealed - floor:9.1f} {sealed / floor:8.3f}")
    print(f"median diff {statistics.median(diffs):.1f} µs, ratio {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
