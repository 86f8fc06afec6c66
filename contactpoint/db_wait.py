"""A bound on every wait for PostgreSQL in the web process.

``statement_timeout`` makes PostgreSQL cancel a slow statement, and ``connect_timeout`` bounds
a connection attempt, but a server that is frozen (stopped, swapped out, its host unreachable
while the socket stays open) answers neither: libpq would wait until gunicorn killed the
worker, and the person would get a reset connection after half a minute (issue 20). Here
psycopg2's wait callback (its documented hook for cooperative I/O) does the waiting instead,
and gives up with ``OperationalError`` when PostgreSQL has sent nothing for
``WEB_DATABASE_SILENCE_SECONDS`` — or, while connecting, for
``DATABASE_CONNECT_TIMEOUT_SECONDS``. psycopg2 then closes the connection; Django opens a new
one on the next request; the request's transaction is gone, so nothing unaudited was shown.

Once it has given up, the rest of that request does not wait again: the next query (or the
new connection Django opens for it) fails at once, so a person waits one silence bound for
the 503, not one per query the failure path makes (8 s before, a 6 s query wait and a 2 s
connection wait, measured by the fault suite). The next request tries PostgreSQL afresh.

Installed only in the web process (``contactpoint.wsgi``): the callback keeps psycopg2 out of
COPY, which only commands and jobs use.
"""

import select
import threading
import time

import psycopg2
from psycopg2 import extensions

_EVENTS = {
    extensions.POLL_READ: select.POLLIN,
    extensions.POLL_WRITE: select.POLLOUT,
}


# Whether this thread's request has already given up on PostgreSQL (one request per thread
# in gunicorn's workers).
_request = threading.local()


def request_reset(**_kwargs) -> None:
    """A new request: wait for PostgreSQL again (Django's ``request_started`` signal)."""
    _request.gave_up = False


def silence_bounded_wait(*, silence_seconds: float, connect_seconds: float):
    """A psycopg2 wait callback that stops waiting after that long without progress."""

    def wait(conn) -> None:
        if getattr(_request, "gave_up", False):
            raise psycopg2.OperationalError(
                "PostgreSQL sent nothing earlier in this request; not waiting again"
            )
        limit = connect_seconds if conn.status == extensions.STATUS_SETUP else silence_seconds
        deadline = time.monotonic() + limit
        poller = select.poll()
        registered = None
        while True:
            state = conn.poll()
            if state == extensions.POLL_OK:
                return
            if state not in _EVENTS:
                raise psycopg2.OperationalError(f"unexpected state from psycopg2 poll: {state}")
            fd = conn.fileno()
            if registered != (fd, state):
                if registered is not None:
                    poller.unregister(registered[0])
                poller.register(fd, _EVENTS[state])
                registered = (fd, state)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not poller.poll(remaining * 1000):
                _request.gave_up = True
                raise psycopg2.OperationalError(
                    f"PostgreSQL sent nothing for {limit:g} s; gave up waiting"
                )
            deadline = time.monotonic() + limit

    return wait


def install(settings) -> None:
    from django.core.signals import request_started

    request_started.connect(request_reset, dispatch_uid="contactpoint.db_wait.request_reset")
    extensions.set_wait_callback(
        silence_bounded_wait(
            silence_seconds=settings.WEB_DATABASE_SILENCE_SECONDS,
            connect_seconds=settings.DATABASE_CONNECT_TIMEOUT_SECONDS,
        )
    )
