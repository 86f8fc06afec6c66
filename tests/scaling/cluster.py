"""A private PostgreSQL primary and its streaming replica, for the read-replica tests.

Built from the same embedded PostgreSQL 18 binaries as the development stack, run as the same
unprivileged account, in a temporary directory, on free ports. The developer's shared cluster
is never touched: it may hold benchmark worlds of many gigabytes (a base backup of it would be
slow) and other people are using it (changing its settings would need a restart).
"""

# ruff: noqa: S603 - starting servers is this module's job; every command is a fixed argument
# list built here (no shell, no user input).

from __future__ import annotations

import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg2

from contactpoint.stack_account import (
    account_kwargs,
    give_to,
    make_traversable,
    make_world_readable,
    server_account,
)
from contactpoint.stack_common import StackError, free_port
from contactpoint.stack_postgres import bin_dir
from contactpoint.stack_provision import SUPERUSER, connect, provision

# Small and quick: a test cluster holds a few dozen rows. fsync off only saves disk flushes;
# commit, WAL and replication behave as in production.
SERVER_OPTIONS = "-c shared_buffers=32MB -c fsync=off -c max_connections=30 -c jit=off"


class ClusterUnavailable(Exception):
    """The binaries cannot run here at all, so the replica tests must be skipped."""


@dataclass
class Server:
    data: Path
    port: int
    log: Path

    def connect(self, dbname: str = "postgres"):
        return connect(self.port, dbname)


@dataclass
class ReplicatedPair:
    """A primary and a hot standby streaming from it; ``close`` stops both and deletes them."""

    root: Path
    account: pwd.struct_passwd | None
    primary: Server
    replica: Server

    def close(self) -> None:
        for server in (self.replica, self.primary):
            _run(["pg_ctl", "-D", str(server.data), "-m", "immediate", "-w", "stop"], self)
        shutil.rmtree(self.root, ignore_errors=True)

    def replay_pause(self) -> None:
        """Stop applying WAL on the replica: what a lagging replica looks like."""
        self._replica_execute("SELECT pg_wal_replay_pause()")

    def replay_resume(self) -> None:
        self._replica_execute("SELECT pg_wal_replay_resume()")

    def wait_caught_up(self, seconds: float = 10) -> float:
        """Wait until the replica has replayed everything the primary has written; return how
        long that took, in seconds (the replication lag at that moment)."""
        with self.primary.connect() as primary_connection, primary_connection.cursor() as cur:
            cur.execute("SELECT pg_current_wal_insert_lsn()")
            [target] = cur.fetchone()
        primary_connection.close()
        started = time.monotonic()
        with self.replica.connect() as replica_connection, replica_connection.cursor() as cur:
            while True:
                cur.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
                if cur.fetchone()[0]:
                    break
                if time.monotonic() - started > seconds:
                    raise AssertionError(f"replica did not reach {target} in {seconds} s")
                time.sleep(0.005)
        replica_connection.close()
        return time.monotonic() - started

    def _replica_execute(self, statement: str) -> None:
        connection = self.replica.connect()
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()


def replicated_pair() -> ReplicatedPair:
    """initdb a primary, give it the project's roles and extensions, then pg_basebackup a
    replica from it and start that as a hot standby streaming over TCP.

    initdb's defaults already allow this: wal_level=replica, max_wal_senders=10 and trust
    ``host replication`` lines for 127.0.0.1 in pg_hba.conf.
    """
    account = _account()
    root = Path(tempfile.mkdtemp(prefix="cp-replica-"))
    give_to(root, account, 0o700)
    make_traversable(root)
    primary = Server(data=root / "primary", port=free_port(), log=root / "primary.log")
    replica = Server(data=root / "replica", port=free_port(), log=root / "replica.log")
    pair = ReplicatedPair(root=root, account=account, primary=primary, replica=replica)
    try:
        _initdb(primary, pair)
        _start(primary, pair)
        provision(primary.port)
        _check(
            _run(
                ["pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", SUPERUSER,
                 "-D", str(replica.data), "-X", "stream", "-R", "-c", "fast", "--no-sync"],
                pair,
            ),
            "pg_basebackup",
        )  # fmt: skip
        _start(replica, pair)
        _wait_in_recovery(replica)
    except BaseException:
        pair.close()
        raise
    return pair


def _account() -> pwd.struct_passwd | None:
    """The stack's server account (PostgreSQL refuses to run as root), with the wheel made
    readable to it, as the development stack does; a skip reason when nothing can run."""
    try:
        binaries = bin_dir()
        account = server_account()
    except StackError as error:
        raise ClusterUnavailable(str(error)) from None
    wheel = binaries.parent.parent
    if account is not None:
        make_world_readable(wheel)
        libs = wheel.with_name(wheel.name + ".libs")
        if libs.is_dir():
            make_world_readable(libs)
    probe = subprocess.run(
        [str(binaries / "postgres"), "--version"],
        capture_output=True,
        text=True,
        check=False,
        **account_kwargs(account),
    )
    if probe.returncode != 0:
        raise ClusterUnavailable(f"the embedded postgres binary does not run: {probe.stderr}")
    return account


def _initdb(server: Server, pair: ReplicatedPair) -> None:
    """As the development stack does: C.UTF-8 where the C library has it, else plain C."""
    for locale in ("C.UTF-8", "C"):
        shutil.rmtree(server.data, ignore_errors=True)
        result = _run(
            ["initdb", "-D", str(server.data), "--auth=trust", "-U", SUPERUSER,
             "--encoding=UTF8", f"--locale={locale}", "--no-sync"],
            pair,
        )  # fmt: skip
        if result.returncode == 0:
            return
    _check(result, "initdb")


def _start(server: Server, pair: ReplicatedPair) -> None:
    options = f"-h 127.0.0.1 -p {server.port} -k {pair.root} {SERVER_OPTIONS}"
    result = _run(
        ["pg_ctl", "-D", str(server.data), "-w", "-t", "60", "-l", str(server.log), "start",
         "-o", options],
        pair,
    )  # fmt: skip
    if result.returncode != 0:
        log = server.log.read_text(errors="replace") if server.log.exists() else ""
        raise RuntimeError(f"PostgreSQL did not start:\n{result.stdout}\n{log[-2000:]}")


def _wait_in_recovery(server: Server, seconds: float = 30) -> None:
    """A standby accepts connections once consistent; make sure it is one, and streaming."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            connection = server.connect()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_is_in_recovery(), status FROM pg_stat_wal_receiver")
                row = cursor.fetchone()
            connection.close()
            if row == (True, "streaming"):
                return
        except psycopg2.OperationalError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the replica is not streaming after {seconds} s")
        time.sleep(0.1)


def _run(args: list[str], pair: ReplicatedPair) -> subprocess.CompletedProcess:
    """A wheel binary as the server account; output to a file, since a postmaster started by
    pg_ctl keeps its inherited descriptors open and a pipe would never reach end of file."""
    with tempfile.TemporaryFile("w+") as output:
        result = subprocess.run(
            [str(bin_dir() / args[0]), *args[1:]],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=pair.root,
            check=False,
            **account_kwargs(pair.account),
        )
        output.seek(0)
        result.stdout = output.read()
    return result


def _check(result: subprocess.CompletedProcess, what: str) -> None:
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{result.stdout}")
