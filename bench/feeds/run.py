"""Run our import as a user would, ``manage.py import_feed``, and time it.

Wall time, the command's CPU (``getrusage(RUSAGE_CHILDREN)`` around the one child process)
and PostgreSQL's CPU. A backend's CPU is in its /proc/<pid>/stat while it lives, and is added
to the postmaster's ``cutime``/``cstime`` when it exits, so the server's CPU is the sum over
every postgres process of utime + stime, plus the postmaster's reaped children, before and
after. That counts the whole server: autovacuum and anyone else's queries on this cluster
during the import are in it (the report says so).
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .database import ROOT, command_env

TICKS = os.sysconf("SC_CLK_TCK")
PROGRESS = re.compile(r"^[\d,]+ / [\d,]+ records$")


@dataclass
class Timing:
    returncode: int
    wall: float
    command_cpu: float
    postgres_cpu: float | None
    output: str


def _postgres_cpu() -> float | None:
    """Seconds of CPU used so far by this machine's PostgreSQL servers (see module doc)."""
    total, seen = 0, False
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        if not name.startswith("postgres"):
            continue
        seen = True
        utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
        total += utime + stime
        parent = Path(f"/proc/{fields[1]}/comm")
        is_postmaster = not (parent.exists() and parent.read_text().startswith("postgres"))
        if is_postmaster:
            total += cutime + cstime
    return total / TICKS if seen else None


def import_run(database: str, feed: Path, source: str) -> Timing:
    """Run the import with ``-v 2`` (its progress), its output going to ``<feed>.log`` as
    it comes, so a long run at national scale can be watched with ``tail -f``."""
    env = command_env(database)
    log = feed.with_suffix(".log")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = _postgres_cpu()
    started = time.perf_counter()
    with log.open("w") as out:
        done = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "import_feed", str(feed)]
            + ["--source", source, "-v", "2"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_after = _postgres_cpu()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    server = None
    if server_before is not None and server_after is not None:
        server = server_after - server_before
    return Timing(done.returncode, wall, cpu, server, _without_progress(log.read_text()))


def _without_progress(output: str) -> str:
    """The command's output with only the last of its progress lines (``-v 2`` rewrites one
    line with \\r, and its stdout and stderr interleave in the log)."""
    lines = [part for line in output.splitlines() for part in line.split("\r") if part.strip()]
    progress = [i for i, line in enumerate(lines) if PROGRESS.match(line)]
    return "\n".join(line for i, line in enumerate(lines) if i not in progress[:-1])
