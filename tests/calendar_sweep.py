"""Run the date-sensitive tests (marker ``calendar``) with the clock pinned to awkward moments,
and print a table: moment, passed, failed, errors, seconds.

    .venv/bin/python tests/calendar_sweep.py                 # every moment below, and now
    .venv/bin/python tests/calendar_sweep.py --at 2027-05-03T09:15 -- -k supervision

Each moment is one pytest run with ``CONTACTPOINT_TEST_DATE`` set (tests/conftest.py pins the
clock of every test marked ``calendar`` there). ``DATABASE_URL`` and ``REDIS_URL`` pass through
from the environment, as for the suite. Runs one moment after another: the runs share the test
database's name and Redis's test databases. Exit status 1 if any moment had a failure.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
LONDON = ZoneInfo("Europe/London")

# Times without an offset are London's. Around the clock changes an offset says which side.
MOMENTS = (
    ("ordinary Wednesday morning (the default)", "2027-01-13T10:30"),
    ("Saturday", "2027-01-16T11:00"),
    ("Sunday", "2027-01-17T16:00"),
    ("bank holiday Monday (early May)", "2027-05-03T09:15"),
    ("bank holiday Monday (summer)", "2027-08-30T14:00"),
    ("last day of a month, late (Friday)", "2027-04-30T23:30"),
    ("31 December, 23:30", "2026-12-31T23:30"),
    ("1 January, 00:30", "2027-01-01T00:30"),
    ("29 February", "2028-02-29T12:00"),
    ("summer Saturday, 00:30 (Friday in UTC)", "2027-06-05T00:30"),
    ("clocks go forward: 00:30 GMT", "2027-03-28T00:30+00:00"),
    ("clocks go forward: 00:59:58 GMT", "2027-03-28T00:59:58+00:00"),
    ("clocks go forward: 02:30 BST", "2027-03-28T02:30+01:00"),
    ("clocks go back: 01:30 BST (the first)", "2027-10-31T01:30+01:00"),
    ("clocks go back: 01:59:58 BST", "2027-10-31T01:59:58+01:00"),
    ("clocks go back: 01:30 GMT (the second)", "2027-10-31T01:30+00:00"),
)


@dataclass(frozen=True)
class Outcome:
    label: str
    moment: str
    passed: int
    failed: int
    errors: int
    skipped: int
    seconds: float
    failures: tuple[str, ...]


def sweep_run(label: str, moment: str, pytest_args: list[str], logs: Path) -> Outcome:
    """One pytest run of the calendar tests with the clock pinned to ``moment``; its output
    is kept in ``logs``."""
    name = moment.replace(":", "").replace("+", "p")
    report, log = logs / f"{name}.xml", logs / f"{name}.log"
    started = time.monotonic()
    with log.open("w") as output:
        subprocess.run(  # noqa: S603 (this interpreter running pytest)
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-m", "calendar"]
            + ["-q", f"--junitxml={report}", *pytest_args],
            cwd=ROOT,
            env={**os.environ, "CONTACTPOINT_TEST_DATE": moment},
            stdout=output,
            stderr=subprocess.STDOUT,
            check=False,
        )
    seconds = time.monotonic() - started
    if not report.exists():
        return Outcome(label, moment, 0, 0, 1, 0, seconds, (f"pytest did not run: {log}",))
    root = ElementTree.parse(report).getroot()  # noqa: S314 (pytest wrote it just now)
    return _outcome(label, moment, root, seconds)


def _outcome(label: str, moment: str, root, seconds: float) -> Outcome:
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in root.iter("testsuite"):
        for key in counts:
            counts[key] += int(suite.get(key, 0))
    failures = tuple(
        f"{case.get('classname')}::{case.get('name')}"
        for case in root.iter("testcase")
        if case.find("failure") is not None or case.find("error") is not None
    )
    passed = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
    return Outcome(
        label,
        moment,
        passed,
        counts["failures"],
        counts["errors"],
        counts["skipped"],
        seconds,
        failures,
    )


def table(outcomes: list[Outcome]) -> str:
    lines = [
        "| moment | CONTACTPOINT_TEST_DATE | passed | failed | errors | skipped | s |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for o in outcomes:
        lines.append(
            f"| {o.label} | {o.moment} | {o.passed} | {o.failed} | {o.errors} | {o.skipped} "
            f"| {o.seconds:.0f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--at", action="append", help="only this moment (repeatable)")
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest (after --)")
    args = parser.parse_args()
    now = datetime.now(LONDON).isoformat(timespec="seconds")
    moments = [(m, m) for m in args.at] if args.at else [("now", now), *MOMENTS]
    logs = Path(tempfile.mkdtemp(prefix="calendar-sweep-"))
    print(f"pytest's output for each moment: {logs}", flush=True)
    outcomes = []
    for label, moment in moments:
        outcome = sweep_run(label, moment, args.pytest_args, logs)
        outcomes.append(outcome)
        print(
            f"{moment:>26}  passed {outcome.passed:3}  failed {outcome.failed:3}  "
            f"errors {outcome.errors:3}  {outcome.seconds:5.0f} s  {label}",
            flush=True,
        )
        for failure in outcome.failures:
            print(f"{'':28}{failure}", flush=True)
    print()
    print(table(outcomes))
    return 1 if any(o.failed or o.errors for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
