"""Health that tells the truth (issue 20): liveness needs nothing but the process; readiness
gives each figure and answers 503 when one is past its limit. The outages themselves (Redis
killed, PostgreSQL frozen) are in ``tests/faults/``."""

import json
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from audit.models import ReviewRun
from contactpoint.health import heartbeat_record

from .audit.conftest import log_events, seal

CHECKS = {
    "postgres",
    "redis",
    "audit_seal_lag",
    "misuse_review_lag",
    "worker_heartbeat",
}


def _ready(client=None):
    response = (client or Client()).get("/healthz/ready")
    return response.status_code, json.loads(response.content)


def test_it_answers_liveness_without_reading_any_database(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/healthz/live")
    assert (response.status_code, response.content) == (200, b"ok")


def test_it_gives_every_figure_when_ready(db):
    heartbeat_record()
    log_events(2)
    seal()
    status, body = _ready()
    assert (status, body["ready"]) == (200, True)
    assert set(body["checks"]) == CHECKS
    assert body["checks"]["audit_seal_lag"]["figure"] == 0.0
    assert body["checks"]["worker_heartbeat"]["figure"] < 5
    assert body["checks"]["postgres"]["unit"] == "ms"


def test_it_is_not_ready_until_a_worker_is_heard_from(db):
    status, body = _ready()
    assert (status, body["ready"]) == (503, False)
    assert body["checks"]["worker_heartbeat"] == {
        "name": "worker_heartbeat",
        "ok": False,
        "figure": None,
        "unit": "s",
        "limit": 60.0,
        "detail": "no worker heard from yet",
    }
    assert Client().get("/healthz").content == b"no celery worker heard from"


def test_it_is_not_ready_while_misuse_review_lags(db, settings):
    heartbeat_record()
    now = timezone.now()
    for detector in ("shielded", "judgements"):
        ReviewRun.objects.create(
            detector=detector,
            window_start=now - timedelta(hours=4),
            window_end=now - timedelta(hours=3),
            finished_at=now - timedelta(hours=3),
        )
    status, body = _ready()
    assert status == 503
    review = body["checks"]["misuse_review_lag"]
    assert (review["ok"], round(review["figure"] / 3600)) == (False, 3)
    settings.MISUSE_REVIEW_MAX_LAG_SECONDS = 4 * 3600
    assert _ready()[0] == 200
