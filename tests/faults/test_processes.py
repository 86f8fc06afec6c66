"""When one of the application's own processes dies mid-work, the work is not lost and the
service comes back by itself (issue 20): a gunicorn worker killed in the middle of a lookup, a
Celery worker killed in the middle of sealing the audit log.
"""

import os
import signal
import sys
import threading
import time

import psycopg2
import pytest

from contactpoint.stack_provision import SUPERUSER

from .conftest import audit_invariant
from .services import celery_worker, wait_until

pytestmark = pytest.mark.faults

# New gunicorn workers import Django before they serve: seconds alone, more on a loaded machine.
RECOVERY_SECONDS = 45
# A new Celery worker starts (imports Django, connects), then the task it was handed comes
# back once CELERY_VISIBILITY_TIMEOUT_SECONDS (3 s here) passes: allow for a loaded machine.
WORKER_RECOVERY_SECONDS = 60


def _backend_waiting_on_lock(stack) -> bool:
    """The application's role has a statement waiting for a lock (the search's audit write)."""
    return bool(
        stack.postgres.query(
            "SELECT 1 FROM pg_stat_activity WHERE usename = 'contactpoint_app' "
            "AND wait_event_type = 'Lock'",
            role=SUPERUSER,
        )
    )


def test_it_loses_nothing_when_a_web_worker_dies_mid_lookup(stack, person):
    """The lookup is held at its audit write (the log locked by the table's owner), then every
    gunicorn worker is killed: the held request's transaction dies with it, gunicorn starts new
    workers, and the next search shows the child with its own event."""
    for _attempt in range(3):
        answer, workers = _lookup_killed_at_its_audit_write(stack, person)
        if workers:
            break
    assert workers, "no lookup was caught at its audit write in three tries"
    assert not answer.showed_child
    assert answer.status in ("ConnectionError", "ChunkedEncodingError", 502, 503), answer
    wait_until(lambda: len(set(stack.web.children()) - set(workers)) >= 2, seconds=60)
    assert person.search_until(lambda a: a.showed_child, seconds=RECOVERY_SECONDS) < (
        RECOVERY_SECONDS
    )
    audit_invariant(stack, person)


def _lookup_killed_at_its_audit_write(stack, person):
    """(the answer, the workers killed), or no workers when the lookup ended before it was
    caught (the web statement timeout, 5 s, cancels a lock wait: a loaded machine may take
    that long to notice it)."""
    holder = psycopg2.connect(stack.postgres.owner_url)
    in_flight = []
    workers = []
    try:
        with holder.cursor() as cursor:
            cursor.execute("LOCK TABLE audit_accessevent IN EXCLUSIVE MODE")
        lookup = threading.Thread(target=lambda: in_flight.append(person.search()))
        lookup.start()
        caught = _poll(lambda: _backend_waiting_on_lock(stack) or in_flight, seconds=30)
        if caught and not in_flight:
            workers = stack.web.children()
            for pid in workers:
                os.kill(pid, signal.SIGKILL)
        lookup.join(60)
    finally:
        holder.rollback()
        holder.close()
    return in_flight[0], workers


def _poll(predicate, *, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := predicate():
            return found
        time.sleep(0.05)
    return None


def _sealer_mid_round(stack) -> bool:
    """A sealing round holds its lock and is waiting for an event id's transaction to end."""
    return bool(
        stack.postgres.query(
            "SELECT 1 FROM pg_stat_activity WHERE usename = 'contactpoint_app' "
            "AND xact_start IS NOT NULL AND query LIKE '%virtualtransaction FROM pg_locks%'",
            role=SUPERUSER,
        )
    )


def _everything_sealed(stack) -> bool:
    [(unsealed,)] = stack.postgres.query(
        "SELECT count(*) FROM audit_accessevent WHERE id > coalesce("
        "(SELECT max(sealed_through_id) FROM audit_treehead), 0)"
    )
    return unsealed == 0


def test_it_seals_everything_when_a_celery_worker_dies_mid_task(stack, person):
    """A sealing task is taken by a worker and held mid-round (an event id's transaction is
    open); the worker is killed. Acknowledged only when done (``acks_late``), the task goes
    back to the queue; a new worker runs it again from the sealer's watermark, and the log
    verifies."""
    assert person.search().showed_child  # at least one event to seal
    assert not _everything_sealed(stack)
    environment = {**stack.environment, "AUDIT_SEAL_WAIT_SECONDS": "120"}
    holder = psycopg2.connect(stack.postgres.owner_url)
    first = celery_worker(environment, stack.logs / "worker-1.log")
    second = celery_worker(environment, stack.logs / "worker-2.log")
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence('audit_accessevent', 'id'))")
        first.start()
        task_id = _call(stack, "audit.tasks.audit_seal_task")
        wait_until(lambda: _sealer_mid_round(stack), seconds=WORKER_RECOVERY_SECONDS)
        os.killpg(first.popen.pid, signal.SIGKILL)
        first.popen.wait()
        holder.rollback()
        second.start()
        took = wait_until(lambda: _everything_sealed(stack), seconds=WORKER_RECOVERY_SECONDS)
        done = f"Task audit.tasks.audit_seal_task[{task_id}] succeeded"
        wait_until(lambda: done in second.log.read_text(), seconds=30)
    finally:
        holder.close()
        first.stop()
        second.stop()
    assert took < WORKER_RECOVERY_SECONDS
    assert f"Task audit.tasks.audit_seal_task[{task_id}] received" in first.log.read_text()
    verified = stack.run_manage(["verify_audit"])
    assert "The audit log is intact." in verified


def _call(stack, task: str) -> str:
    """Queue ``task`` as beat would (celery's own ``call``); its id."""
    output = stack.run([sys.executable, "-m", "celery", "-A", "contactpoint", "call", task])
    return output.strip().splitlines()[-1]
