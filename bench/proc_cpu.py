"""CPU time read from /proc, for the benchmarks that compare two things in one run.

Why one place: the CPU benches (``search_cpu.py``, ``api_search_cpu.py``) count the CPU of
their own process and of its PostgreSQL backends the same way, so their figures compare.
"""

from __future__ import annotations

import os
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of process ``pid`` from /proc (fields 14 and 15 of stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def backend_pids() -> set[int]:
    """The PostgreSQL backends of this process's connections (the default and the audit
    connection, which the audit insert uses)."""
    from django.db import connections

    pids = set()
    for alias in ("default", "audit"):
        if alias in connections.settings:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pids.add(cursor.fetchone()[0])
    return pids
