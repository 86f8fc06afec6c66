"""Start a benchmark's gunicorn and wait until it answers: one home for the load and floor
benchmarks (``load_search.py``, ``web_floor.py``)."""

from __future__ import annotations

import http.client
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def gunicorn_start(
    app: str, port: int, workers: int, env: dict, log: Path, *, tries: int = 150
) -> subprocess.Popen:
    """gunicorn serving ``app`` on loopback, its access log off (the benchmarks count on the
    server side), started from the checkout; exits the benchmark if it does not answer the
    sign-in page within ``tries`` fifths of a second."""
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    for _ in range(tries):
        if process.poll() is not None:
            sys.exit(f"gunicorn exited (is port {port} in use?); see {log}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/accounts/login/", headers={"Host": "127.0.0.1"})
            conn.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    sys.exit(f"gunicorn did not start; see {log}")
