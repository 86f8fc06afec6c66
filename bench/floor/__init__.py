"""A bench-only floor for the web tier (issue 16): what an audited search or record view must
cost, served by the same gunicorn, under the same production settings, as the application.

Never part of the application: ``contactpoint.urls`` has no floor URL. Only the bench's own
WSGI entry point (``floor.wsgi``, with ``bench/`` on the path) routes ``/bench-floor/`` to it;
``bench/web_floor.py`` starts that server and drives it.
"""
