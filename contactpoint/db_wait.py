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

Installed only in the web process (``contactpoint.wsgi``): the callback keeps psycopg2 out of
COPY, which only commands and jobs use.
"""

import select
import time

import psycopg2
from psycopg2 import extensions

_EVENTS = {
    extensions.POLL_READ: select.POLLIN,
    extensions.POLL_WRITE: select.POLLOUT,
}


def silence_bounded_wait(*, silence_seconds: float, connect_seconds: float):
    """A psycopg2 wait callback that stops waiting after that long without progress."""

    def wait(conn) -> None:
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
                raise psycopg2.OperationalError(
                    f"PostgreSQL sent nothing for {limit:g} s; gave up waiting"
                )
            deadline = time.monotonic() + limit

    return wait


def install(settings) -> None:
    extensions.set_wait_callback(
        silence_bounded_wait(
            silence_seconds=settings.WEB_DATABASE_SILENCE_SECONDS,
            connect_seconds=settings.DATABASE_CONNECT_TIMEOUT_SECONDS,
        )
    )
