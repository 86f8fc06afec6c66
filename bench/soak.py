"""Soak: searches at the highest rate this machine sustains, for minutes, with one fault in the
middle (issue 20).

    .venv/bin/python bench/soak.py                       # 10 minutes, PostgreSQL frozen 10 s
    .venv/bin/python bench/soak.py --seconds 120 --fault redis-kill

Builds the fault suite's private stack (``tests/faults/services.py``: PostgreSQL and Redis of
its own on free ports, migrated, gunicorn as ``make run`` starts it; the shared servers are
never touched), signs in one practitioner per client, then:

1. ramps the number of clients (1, 2, 4 … ``--max-clients``), ``--ramp-seconds`` each, and
   keeps the one with the most searches per second whose p95 stays under ``--p95-ms``;
2. runs that many clients for ``--seconds``, each searching one request at a time over
   loopback, and injects ``--fault`` for ``--fault-seconds`` at the middle;
3. prints requests, rate, latency outside the fault, errors by kind (in and outside the
   fault), audit events against responses that showed the child (each must have exactly
   one: ``tests/faults/client.py``), and recovery: from the fault's end until every client
   has been served again.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.faults.client import Person, events_unmatched, search_events  # noqa: E402
from tests.faults.services import private_stack, wait_until  # noqa: E402

FAULTS = ("postgres-pause", "postgres-kill", "redis-kill", "web-worker-kill", "none")


def _run_clients(people: list[Person], seconds: float, during=None) -> None:
    """Every person searches back to back for ``seconds``; ``during`` runs meanwhile."""
    stop = time.monotonic() + seconds

    def loop(person: Person) -> None:
        while time.monotonic() < stop:
            person.search()

    threads = [threading.Thread(target=loop, args=(p,), daemon=True) for p in people]
    for thread in threads:
        thread.start()
    if during:
        during()
    for thread in threads:
        thread.join()


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94] if len(values) >= 20 else max(values or [0])


def _ramp(people: list[Person], args) -> int:
    best, best_rate = 1, 0.0
    clients = 1
    print(f"ramp: {args.ramp_seconds:.0f} s per step, p95 bound {args.p95_ms:.0f} ms")
    while clients <= len(people):
        group = people[:clients]
        for person in group:
            person.answers.clear()
        _run_clients(group, args.ramp_seconds)
        served = [a for p in group for a in p.answers if a.showed_child]
        rate = len(served) / args.ramp_seconds
        p95 = _p95([a.seconds * 1000 for a in served])
        print(f"  {clients} clients: {rate:6.1f} searches/s, p95 {p95:6.1f} ms")
        if p95 > args.p95_ms or rate <= best_rate * 1.05:
            break
        best, best_rate = clients, rate
        clients *= 2
    for person in people:
        person.answers.clear()
    return best


def _inject(stack, fault: str, seconds: float) -> tuple[float, float]:
    """The fault, then its repair; (start, end) as wall-clock times."""
    start = time.time()
    if fault == "postgres-pause":
        stack.postgres.pause()
        time.sleep(seconds)
        stack.postgres.resume()
    elif fault == "postgres-kill":
        stack.postgres.kill()
        time.sleep(seconds)
        stack.postgres.start()
    elif fault == "redis-kill":
        stack.redis.kill()
        time.sleep(seconds)
        stack.redis.start()
    elif fault == "web-worker-kill":
        for pid in stack.web.children():
            os.kill(pid, signal.SIGKILL)
        time.sleep(seconds)
    return start, time.time()


def _report(stack, people: list[Person], seconds: float, fault: str, window) -> None:
    start, end = window
    answers = [a for p in people for a in p.answers]
    in_fault = [a for a in answers if a.received >= start and a.sent <= end]
    outside = [a for a in answers if a not in in_fault]
    served = [a for a in outside if a.showed_child]
    latencies = sorted(a.seconds * 1000 for a in served)
    print(f"\nsoak: {len(people)} clients, {seconds:.0f} s, fault {fault}")
    print(f"  requests {len(answers)}, {len(answers) / seconds:.1f}/s")
    if latencies:
        q = statistics.quantiles(latencies, n=100)
        print(f"  outside the fault: p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms, p99 {q[98]:.1f} ms")
    if in_fault:
        slowest = max(a.seconds for a in in_fault)
        print(f"  during the fault: {len(in_fault)} requests, slowest answer {slowest:.1f} s")
    for label, group in (("during the fault", in_fault), ("outside it", outside)):
        kinds = Counter(a.status for a in group if not a.showed_child)
        print(f"  errors {label}: {dict(kinds) or 'none'}")
    shown = sum(a.showed_child for a in answers)
    wrong = stray = events = 0
    for person in people:
        times = search_events(
            stack.postgres,
            user_id=person.world["user_id"],
            public_id=person.world["child"]["public_id"],
        )
        bad, lost = events_unmatched(times, person.answers)
        first = person.answers[0].sent if person.answers else 0
        events += sum(t >= first for t in times)
        wrong, stray = wrong + len(bad), stray + len(lost)
    print(f"  responses that showed the child: {shown}; search events in the run: {events}")
    print(f"  shown without exactly one event: {wrong}; events outside every request: {stray}")
    if fault != "none":
        back = []
        for person in people:
            later = [a.received for a in person.answers if a.sent >= end and a.showed_child]
            back.append(min(later) - end if later else float("inf"))
        print(
            f"  fault {end - start:.1f} s; served again after its end: first client "
            f"{min(back):.1f} s, every client {max(back):.1f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--fault", choices=FAULTS, default="postgres-pause")
    parser.add_argument("--fault-seconds", type=float, default=10)
    parser.add_argument("--p95-ms", type=float, default=250)
    parser.add_argument("--max-clients", type=int, default=8)
    parser.add_argument("--ramp-seconds", type=float, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cp-soak-") as logs:
        with private_stack(
            Path(logs), users=args.max_clients, LOOKUP_RATE_LIMIT="100000000"
        ) as stack:
            world = stack.world
            people = [
                Person(stack.base, {**person, "child": world["child"]}, keep_pages=False)
                for person in world["people"]
            ]
            for person in people:
                person.sign_in()
            clients = _ramp(people, args)
            group = people[:clients]
            window: list[tuple[float, float]] = [(0.0, 0.0)]

            def fault() -> None:
                time.sleep(args.seconds / 2)
                window[0] = _inject(stack, args.fault, args.fault_seconds)

            _run_clients(group, args.seconds, during=fault)
            if args.fault == "web-worker-kill":
                wait_until(lambda: len(stack.web.children()) >= 2, seconds=30)
            _report(stack, group, args.seconds, args.fault, window[0])


if __name__ == "__main__":
    main()
