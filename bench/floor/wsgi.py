"""The bench server: the application as ``contactpoint.wsgi`` serves it, plus the floor.

``/bench-floor/…`` goes to a Django handler with no middleware and the floor's own URLs
(``floor.urls``); every other path to the application's own handler, middleware and all.
With ``BENCH_COUNT=1`` every response says how many SQL statements (through Django's
cursors, every database) and Redis round trips (sends on a Redis connection: a pipeline or a
script is one) it took, in ``X-Bench-Statements`` and ``X-Bench-Redis``: the counting pass
runs on a server of its own, so the measured server carries no counters.
"""

from __future__ import annotations

import os

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "floor.settings")
project = get_wsgi_application()
_PREFIX = "/bench-floor/"


class FloorHandler(WSGIHandler):
    """Django's request handling without any middleware, resolving against ``floor.urls``."""

    def load_middleware(self, is_async=False):
        from django.core.handlers.exception import convert_exception_to_response

        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response)

    def get_response(self, request):
        request.urlconf = "floor.urls"
        return super().get_response(request)


floor = FloorHandler()
_counts = {"sql": 0, "redis": 0}


def _count_install() -> None:
    from django.db.backends import utils
    from redis import connection

    execute, executemany = utils.CursorWrapper._execute, utils.CursorWrapper._executemany
    send = connection.AbstractConnection.send_packed_command

    def counted_execute(self, *args, **kwargs):
        _counts["sql"] += 1
        return execute(self, *args, **kwargs)

    def counted_executemany(self, *args, **kwargs):
        _counts["sql"] += 1
        return executemany(self, *args, **kwargs)

    def counted_send(self, *args, **kwargs):
        _counts["redis"] += 1
        return send(self, *args, **kwargs)

    utils.CursorWrapper._execute = counted_execute
    utils.CursorWrapper._executemany = counted_executemany
    connection.AbstractConnection.send_packed_command = counted_send


COUNTING = os.environ.get("BENCH_COUNT") == "1"
if COUNTING:
    _count_install()


def application(environ, start_response):
    handler = floor if environ.get("PATH_INFO", "").startswith(_PREFIX) else project
    if not COUNTING:
        return handler(environ, start_response)
    _counts.update(sql=0, redis=0)

    def counting_start(status, headers, exc_info=None):
        headers = [*headers, ("X-Bench-Statements", str(_counts["sql"]))]
        headers.append(("X-Bench-Redis", str(_counts["redis"])))
        return start_response(status, headers, exc_info)

    # Django has run the view (and saved the session) before it calls start_response.
    return handler(environ, counting_start)
