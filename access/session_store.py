"""Sessions in Redis (Django's cache sessions), failing loudly when Redis cannot be reached.

Django's cache backend reads a session it cannot fetch as empty: with Redis down, a signed-in
person would be sent back to sign in, and signing in would then fail. Rule (issue 20: users
see why): an unreachable Redis raises, and the request gets the service's own 503 page
(``access.middleware.dependency_unavailable``), while a key that is simply absent (expired, or
never made) still gives an empty session.
"""

from django.contrib.sessions.backends.cache import SessionStore as CacheSessionStore
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


class SessionStore(CacheSessionStore):
    def load(self):
        try:
            session_data = self._cache.get(self.cache_key)
        except (RedisConnectionError, RedisTimeoutError):
            raise
        except Exception:
            session_data = None
        if session_data is not None:
            return session_data
        self._session_key = None
        return {}
