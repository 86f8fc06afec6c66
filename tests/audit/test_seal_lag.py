"""A stalled sealer is reported, not called "intact" (issue 14, finding 4).

Events are protected only once sealed; while sealing is stalled an edit is sealed later as if
genuine. ``verify_audit`` used to say "intact" however far behind sealing was. Now it exits
2 when the oldest unsealed event is older than ``AUDIT_SEAL_MAX_LAG_SECONDS``, and
``/healthz`` answers 503; an anonymous caller of ``/healthz`` learns nothing more than that.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from audit.writer import PastEvent, access_events_load_synthetic
from contactpoint.health import heartbeat_record

from .conftest import ALICE, log_events, seal


def _event_written_ago(minutes: int) -> None:
    access_events_load_synthetic(
        [
            PastEvent(
                occurred_at=timezone.now() - timedelta(minutes=minutes),
                actor=ALICE,
                action="search",
                outcome="not_found",
                purpose="referral",
                criteria={"family_name": "Thompson"},
            )
        ]
    )


def test_it_fails_verification_when_the_oldest_unsealed_event_is_too_old(db):
    _event_written_ago(10)
    with pytest.raises(
        CommandError, match="SEALING STALLED: the sealed log is intact, but the "
    ) as stalled:
        call_command("verify_audit", stdout=StringIO(), stderr=StringIO())
    assert stalled.value.returncode == 2
    assert "is 600 s old; the limit is 300 s" in str(stalled.value)


def test_it_passes_verification_once_the_sealer_catches_up(db):
    _event_written_ago(10)
    seal()
    output = StringIO()
    call_command("verify_audit", stdout=output)
    assert "The audit log is intact." in output.getvalue()
    assert "Sealing is keeping up: every event is sealed." in output.getvalue()


def test_it_accepts_events_written_within_the_limit(db):
    log_events(2)
    seal()
    [unsealed] = log_events(1)
    output = StringIO()
    call_command("verify_audit", stdout=output)
    assert f"the oldest unsealed event (id {unsealed}," in output.getvalue()


def test_it_answers_503_on_healthz_while_sealing_lags(db, settings):
    settings.AUDIT_SEAL_MAX_LAG_SECONDS = 120
    heartbeat_record()  # a worker is running; only sealing is behind
    _event_written_ago(3)
    anyone = Client()
    stalled = anyone.get("/healthz")
    assert (stalled.status_code, stalled.content) == (503, b"audit sealing is behind")
    seal()
    assert (anyone.get("/healthz").status_code, anyone.get("/healthz").content) == (200, b"ok")
