"""The example client in docs/api/ works against a running server: it searches for alice
through school A's system and opens the match, and both calls are audited with both parties."""

import importlib.util
from pathlib import Path

import pytest

from audit.models import AccessEvent

from .conftest import registered_client, token_for

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "api" / "example_client.py"


def _example():
    spec = importlib.util.spec_from_file_location("example_client", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db(transaction=True)
def test_the_example_client_searches_and_opens_a_record(live_server, world, monkeypatch, capsys):
    registered = registered_client(world.school_a)
    monkeypatch.setenv("CP_CLIENT_ID", registered.client_id)
    monkeypatch.setenv("CP_CLIENT_SECRET", registered.secret)
    monkeypatch.setenv("CP_TOKEN", token_for(world.alice, registered))
    status = _example().main(["--base-url", live_server.url, "--family-name", "Thompson"])
    assert status == 0
    output = capsys.readouterr().out
    assert world.maya.public_id in output
    assert "Record of Maya Thompson" in output
    events = AccessEvent.objects.filter(action__in=["search", "view"], actor_id=world.alice.pk)
    assert {(e.action, e.api_client) for e in events} == {
        ("search", registered.client_id),
        ("view", registered.client_id),
    }


@pytest.mark.django_db(transaction=True)
def test_the_example_client_reports_a_problem(live_server, world, monkeypatch):
    registered = registered_client(world.school_a)
    monkeypatch.setenv("CP_CLIENT_ID", registered.client_id)
    monkeypatch.setenv("CP_CLIENT_SECRET", "cps_wrong")
    monkeypatch.setenv("CP_TOKEN", token_for(world.alice, registered))
    with pytest.raises(SystemExit, match="401 Unauthorized"):
        _example().main(["--base-url", live_server.url, "--family-name", "Thompson"])
    failed = AccessEvent.objects.get(action=AccessEvent.Action.API_AUTH_FAILED)
    assert failed.api_client == registered.client_id
