"""WSGI entry point for gunicorn: the web process (short waits for every dependency)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactpoint.settings.production")
os.environ.setdefault("CONTACTPOINT_PROCESS", "web")

application = get_wsgi_application()


def _bound_database_waits() -> None:
    from django.conf import settings

    from .db_wait import install

    install(settings)


_bound_database_waits()
