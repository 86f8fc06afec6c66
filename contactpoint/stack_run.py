"""`python -m contactpoint.stack run`: prepare the database, then supervise the web server,
a Celery worker and Celery beat until Ctrl-C.

Children run in their own process group, so Ctrl-C reaches only this supervisor, which then
stops them in a fixed order and waits for them: no worker is left behind holding the broker.
A child that dies is started again, with a growing delay while it keeps dying; the others, and
the embedded PostgreSQL and Redis, keep running (issue 20).
"""

# ruff: noqa: S603 - starting servers is this module's job; every command is a fixed argument
# list built here (no shell, no user input).

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from .stack_common import DATA, ROOT, StackError, port_is_free, relative, say

SETTINGS = "contactpoint.settings.development"
DEMO_LOGINS = DATA / "demo-logins.json"
MAIL = DATA / "mail"  # development settings' EMAIL_FILE_PATH
# The access log must not carry query strings: search criteria (names, dates of birth,
# postcodes) travel as GET parameters. %(U)s is the path alone.
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
STOP_SECONDS = 15
GUNICORN_TIMEOUT_SECONDS = 30
# How long after the web server listens the summary waits for the others' start-up lines.
SETTLE_SECONDS = 3


def child_environment(stack_env: dict[str, str]) -> dict[str, str]:
    """The environment for every child: the real environment wins over `.data/stack.env`,
    exactly as settings read it, and development settings are used throughout."""
    environment = {**stack_env, **os.environ}
    environment["DJANGO_SETTINGS_MODULE"] = SETTINGS
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


def owner_environment(environment: dict[str, str]) -> dict[str, str]:
    """Migrations and the demo load run as the owner role: tables must belong to the owner,
    never to the application role whose privileges they restrict."""
    owner_url = environment.get("DATABASE_OWNER_URL") or environment.get("DATABASE_URL", "")
    return {**environment, "DATABASE_URL": owner_url}


def manage(args: list[str], environment: dict[str, str]) -> None:
    """Run one manage.py command in the foreground; stop everything if it fails."""
    say("manage.py " + " ".join(args))
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=environment, check=False
    )
    if result.returncode != 0:
        raise StackError(f"manage.py {args[0]} failed with exit code {result.returncode}")


def prepare(environment: dict[str, str]) -> None:
    """Schema, static files and the demo world, each a no-op when already done."""
    owner = owner_environment(environment)
    manage(["migrate", "--noinput"], owner)
    manage(["collectstatic", "--noinput", "--verbosity", "0"], environment)
    manage(
        [
            "seed_demo", "--if-empty", "--children", "5000", "--seed", "1",
            "--credentials", relative(DEMO_LOGINS),
        ],
        owner,
    )  # fmt: skip
    # Seal what the demo load and earlier runs logged, as the app role (INSERT only), so the
    # log is sealed before serving; beat then seals every few seconds.
    manage(["seal_audit"], environment)
    # Review what is in the log now (the demo's month of lookups on a fresh database), so the
    # alerts queue is not empty on first start; beat then reviews every few minutes.
    manage(["review_misuse"], environment)
    # Measure the matcher's weights on this directory now (a second or two at demo size);
    # beat measures them again nightly.
    manage(["estimate_match_weights"], environment)


def commands(port: int, celery_log_level: str = "warning") -> dict[str, list[str]]:
    """What `make run` serves: gunicorn with the production WSGI path (not runserver), so the
    code path developers see is the one that ships."""
    python = sys.executable
    return {
        "web": [
            python, "-m", "gunicorn", "contactpoint.wsgi",
            "--bind", f"127.0.0.1:{port}", "--workers", "2",
            # Longer than any wait a request makes (DATABASE_CONNECT_TIMEOUT_SECONDS,
            # WEB_DATABASE_SILENCE_SECONDS, the Redis timeouts): a stuck dependency gets the
            # service's own 503 page first; this only ends a worker stuck in our own code.
            "--timeout", str(GUNICORN_TIMEOUT_SECONDS),
            "--graceful-timeout", "10",
            "--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT,
        ],
        # No banners, and routine lines (each task received and done, the sealer every few
        # seconds) only at CELERY_LOG_LEVEL=info or debug: the address and the demo logins
        # must not scroll away (issue 20).
        "worker": [
            python, "-m", "celery", "-A", "contactpoint", "--quiet", "worker",
            "-l", celery_log_level, "--concurrency", "2",
        ],
        "beat": [
            python, "-m", "celery", "-A", "contactpoint", "--quiet", "beat",
            "-l", celery_log_level, "-s", str(DATA / "celerybeat-schedule"),
        ],
    }  # fmt: skip


# Restart delays after a crash: doubling from the first to the last; a child that ran for
# STABLE_SECONDS before dying starts again from the first.
RESTART_FIRST_SECONDS = 1.0
RESTART_MAX_SECONDS = 30.0
STABLE_SECONDS = 60.0
# What kind of process each child is (contactpoint/settings/database.py: how long it may wait
# for PostgreSQL). The web server's contactpoint.wsgi says "web" itself.
PROCESS_KIND = {"worker": "worker"}


@dataclass
class Child:
    """One supervised process and its restart bookkeeping."""

    name: str
    command: list[str]
    popen: subprocess.Popen | None = None
    started_at: float = 0.0
    delay: float = 0.0
    start_at: float | None = None
    restarts: int = 0


@dataclass
class Supervisor:
    """Starts the children and keeps them running: one that exits is started again after a
    delay that doubles while it keeps failing (issue 20: recovery without a person). The
    databases are never stopped because a child died; only Ctrl-C or SIGTERM stops anything.
    """

    environment: dict[str, str]
    children: dict[str, Child] = field(default_factory=dict)
    stopping: threading.Event = field(default_factory=threading.Event)

    def start(self, name: str, command: list[str]) -> None:
        """Start one child in a new process group (so terminal Ctrl-C goes to us alone)."""
        child = self.children.setdefault(name, Child(name, command))
        say(f"starting {name}" + (f" (restart {child.restarts})" if child.restarts else ""))
        environment = dict(self.environment)
        if name in PROCESS_KIND:
            environment["CONTACTPOINT_PROCESS"] = PROCESS_KIND[name]
        child.popen = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdin=subprocess.DEVNULL, process_group=0
        )
        child.started_at, child.start_at = time.monotonic(), None

    def pid(self, name: str) -> int | None:
        child = self.children[name]
        return child.popen.pid if child.popen and child.popen.poll() is None else None

    def wait_for_port(self, port: int, seconds: float = 60) -> None:
        """Announce the URL only once the web server accepts connections."""
        deadline = time.monotonic() + seconds
        while port_is_free(port):
            if self.stopping.is_set():
                return
            self.tend()
            if time.monotonic() > deadline:
                raise StackError(f"the web server did not listen on port {port} in {seconds}s")
            time.sleep(0.2)

    def tend(self) -> None:
        """Schedule a restart for each child that exited; start those whose delay is over."""
        now = time.monotonic()
        for name, child in self.children.items():
            code = child.popen.poll() if child.popen else None
            if code is not None:
                ran = now - child.started_at
                child.delay = (
                    RESTART_FIRST_SECONDS
                    if ran >= STABLE_SECONDS or not child.delay
                    else min(child.delay * 2, RESTART_MAX_SECONDS)
                )
                child.popen, child.start_at = None, now + child.delay
                child.restarts += 1
                say(
                    f"{name} exited with status {code} after {ran:.0f}s; "
                    f"restarting it in {child.delay:.0f}s (the others keep running)"
                )
            elif child.popen is None and child.start_at is not None and now >= child.start_at:
                self.start(name, child.command)

    def watch(self) -> int:
        """Keep the children running until a signal; return the exit status for `run`."""
        while not self.stopping.wait(0.5):
            self.tend()
        say("stopping")
        return 0

    def stop(self) -> None:
        """SIGTERM each child (beat first, web last: no new tasks while the worker drains),
        then SIGKILL the process group of any that outlive STOP_SECONDS."""
        running = [child for child in self.children.values() if child.popen]
        for child in reversed(running):
            if child.popen.poll() is None:
                child.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for child in running:
            try:
                child.popen.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{child.name} did not stop in {STOP_SECONDS}s; killing it")
                os.killpg(child.popen.pid, signal.SIGKILL)
                child.popen.wait()


def summary(port: int) -> None:
    """What a person needs to start: where to go, how to sign in, where e-mails are."""
    say(f"ContactPoint is running: http://localhost:{port}/accounts/login/")
    say(f"demo logins (username, password, TOTP secret): {relative(DEMO_LOGINS)}")
    say(f"e-mails sent (reset links, notifications): files in {relative(MAIL)}/")
    say(f"health: http://localhost:{port}/healthz/ready (docs/operations.md)")
    say("press Enter to see this again, Ctrl-C to stop")


def repeat_on_enter(show, stopping: threading.Event) -> None:
    """Show the summary again whenever Enter is pressed in the terminal (not when stdin is a
    file or closed, as under CI or nohup)."""
    if not sys.stdin or not sys.stdin.isatty():
        return

    def listen() -> None:
        for _line in sys.stdin:
            if stopping.is_set():
                return
            show()

    threading.Thread(target=listen, name="summary-on-enter", daemon=True).start()


def serve(environment: dict[str, str]) -> int:
    """Run web, worker and beat, restarting any that dies, until Ctrl-C or SIGTERM."""
    port = int(environment.get("PORT") or 8000)
    if not port_is_free(port):
        raise StackError(f"port {port} is in use; set PORT to another port")
    supervisor = Supervisor(environment)

    def request_stop(signum, _frame) -> None:
        supervisor.stopping.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    level = environment.get("CELERY_LOG_LEVEL") or "warning"
    try:
        for name, command in commands(port, level).items():
            supervisor.start(name, command)
        supervisor.wait_for_port(port)
        if not supervisor.stopping.is_set():
            # After the worker and beat have said what they say on starting, so it is last.
            supervisor.stopping.wait(SETTLE_SECONDS)
            summary(port)
            repeat_on_enter(lambda: summary(port), supervisor.stopping)
        return supervisor.watch()
    finally:
        supervisor.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
