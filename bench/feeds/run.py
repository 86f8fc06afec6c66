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
import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .database import ROOT, command_env

TICKS = os.sysconf("SC_CLK_TCK")


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
    env = command_env(database)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = _postgres_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "import_feed", str(feed)]
        + ["--source", source],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_after = _postgres_cpu()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    server = None
    if server_before is not None and server_after is not None:
        server = server_after - server_before
    return Timing(done.returncode, wall, cpu, server, (done.stdout + done.stderr).strip())
