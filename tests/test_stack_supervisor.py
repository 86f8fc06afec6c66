"""`make run` keeps its processes running (issue 20): a web server, worker or beat that dies is
started again, with a growing delay while it keeps dying; the others are left alone; Ctrl-C
(the supervisor's stop) still ends them all. Real processes, killed with real signals."""

import os
import signal
import sys
import threading

import pytest

from contactpoint import stack_run
from contactpoint.stack_run import Supervisor
from tests.faults.services import wait_until

SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]
CRASHER = [sys.executable, "-c", "raise SystemExit(3)"]


@pytest.fixture
def supervisor():
    running = Supervisor(environment=dict(os.environ))
    watcher = threading.Thread(target=running.watch, daemon=True)
    yield running, watcher
    running.stopping.set()
    if watcher.is_alive():
        watcher.join(5)
    running.stop()


def test_it_restarts_a_killed_child_and_leaves_the_others_running(supervisor, monkeypatch):
    monkeypatch.setattr(stack_run, "RESTART_FIRST_SECONDS", 0.2)
    running, watcher = supervisor
    for name in ("web", "worker", "beat"):
        running.start(name, SLEEPER)
    web, worker, beat = (running.pid(name) for name in ("web", "worker", "beat"))
    watcher.start()
    os.kill(worker, signal.SIGKILL)
    wait_until(lambda: running.pid("worker") not in (None, worker), seconds=10)
    assert (running.pid("web"), running.pid("beat")) == (web, beat)
    assert running.children["worker"].restarts == 1


def test_it_backs_off_while_a_child_keeps_dying(supervisor, monkeypatch):
    monkeypatch.setattr(stack_run, "RESTART_FIRST_SECONDS", 0.1)
    running, watcher = supervisor
    running.start("beat", CRASHER)
    watcher.start()
    wait_until(lambda: running.children["beat"].restarts >= 4, seconds=20)
    assert running.children["beat"].delay >= 0.8


def test_it_stops_every_child_when_asked(supervisor):
    running, watcher = supervisor
    for name in ("web", "worker"):
        running.start(name, SLEEPER)
    popens = [child.popen for child in running.children.values()]
    watcher.start()
    running.stopping.set()
    watcher.join(5)
    running.stop()
    assert [popen.poll() for popen in popens] == [-signal.SIGTERM, -signal.SIGTERM]
