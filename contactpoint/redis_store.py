"""Redis as the cache and the session store, with one client per process and one round trip
to save a session.

Why (issue 16): Django's ``RedisCache`` builds a new redis-py client on every cache call
(a client is cheap to use but not to make: it fills a table of response callbacks each time),
and its cache session store saves a session with a GET (does it still exist?) followed by a
SET. On an audited search those were a tenth of the web tier's CPU. Here:

- ``RedisCache`` keeps one client, over one connection pool, per server URL in each process.
  redis-py's clients and pools are safe to share between threads, and a pool notices a fork
  and starts again with fresh connections, so gunicorn's workers never share a socket.
- ``SessionStore.save`` sends ``SET key value XX EX age``: written only if the session is
  still there, exactly as Django's GET-then-SET decides, in one round trip and without the
  race between the two. A session deleted meanwhile (signed out elsewhere, the account
  deactivated) is not brought back: ``UpdateError``, as Django raises.
- ``SessionStore.load`` renews the idle timeout as it reads: ``GETEX key EX idle``, one round
  trip like the GET it replaces. The idle timeout used to be renewed by saving the session on
  every request (``SESSION_SAVE_EVERY_REQUEST``), a pickling and a SET per page; now a session
  is written only when something in it changed, and assigning a key the value it already
  holds (the purpose, on every lookup) is not a change. The timeout itself is unchanged:
  every request that reads the session (every request past the static files: the
  middleware asks who is signed in) starts its idle time again, and Redis drops it
  ``SESSION_COOKIE_AGE`` seconds after the last one.
- ``SessionStore.load`` fails loudly when Redis cannot be reached (issue 20: users see why).
  Django's cache store reads a session it cannot fetch as empty: with Redis down, a
  signed-in person would be sent back to sign in, and signing in would then fail. Here an
  unreachable Redis raises and the request gets the service's own 503 page
  (``access.middleware.dependency_unavailable``); a key that is simply absent (expired, or
  never made) still gives an empty session.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.contrib.sessions.backends import cache as cache_sessions
from django.contrib.sessions.backends.base import UpdateError
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

_clients: dict[str, object] = {}
_lock = threading.Lock()


class SharedClient(RedisCacheClient):
    """Django's Redis client wrapper, handing out one redis-py client per server URL."""

    def get_client(self, key=None, *, write=False):
        url = self._servers[self._get_connection_pool_index(write)]
        client = _clients.get(url)
        if client is None:
            with _lock:
                client = _clients.get(url)
                if client is None:
                    pool = self._pool_class.from_url(url, **self._pool_options)
                    client = _clients[url] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClient


class SessionStore(cache_sessions.SessionStore):
    """Django's cache session store, saving in one round trip and failing loudly when Redis
    is unreachable (see the module docstring)."""

    def load(self):
        try:
            session_data = self._idle_renewing_get()
        except (RedisConnectionError, RedisTimeoutError):
            raise
        except Exception:
            session_data = None
        if session_data is not None:
            if "_session_expiry" in session_data:
                self.modified = True  # an expiry of its own (set_expiry): saved with it
            return session_data
        self._session_key = None
        return {}

    def _idle_renewing_get(self):
        """The stored session, its expiry set again to the idle timeout in the same round
        trip (``GETEX``); None if there is none."""
        if self.session_key is None or not isinstance(self._cache, DjangoRedisCache):
            return self._cache.get(self.cache_key)
        backend = self._cache._cache  # the RedisCacheClient behind the cache
        key = self._cache.make_and_validate_key(self.cache_key)
        raw = backend.get_client(key, write=True).getex(key, ex=settings.SESSION_COOKIE_AGE)
        return None if raw is None else backend._serializer.loads(raw)

    def __setitem__(self, key, value):
        """Giving a key the value it already holds leaves the session unmodified, so it is not
        written again. The same object is always a change (it may have been altered in
        place); equal values of another type are too (``1`` is not ``True``)."""
        session = self._session
        if key in session:
            held = session[key]
            if held is not value and type(held) is type(value) and held == value:
                return
        super().__setitem__(key, value)

    def save(self, must_create=False):
        timeout = self._cache.get_backend_timeout(self.get_expiry_age())
        if (
            self.session_key is None
            or must_create
            or not isinstance(self._cache, DjangoRedisCache)
            or (timeout is not None and timeout <= 0)
        ):
            return super().save(must_create=must_create)
        backend = self._cache._cache  # the RedisCacheClient behind the cache
        written = backend.get_client(write=True).set(
            self._cache.make_and_validate_key(self.cache_key),
            backend._serializer.dumps(self._get_session()),
            ex=timeout,
            xx=True,
        )
        if not written:
            raise UpdateError
