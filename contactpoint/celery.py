"""The Celery app: a real worker and beat run beside the web server (see `make run`)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactpoint.settings.development")

app = Celery("contactpoint")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
