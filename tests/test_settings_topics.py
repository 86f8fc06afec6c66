"""Settings: one module per topic, each setting defined once, every number read through one
range-checked helper (issue 18), so a bad value stops the start with the variable's name."""

import ast
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from contactpoint.settings.environment import env_number

from .test_wait_settings import _settings

SETTINGS = Path(__file__).resolve().parents[1] / "contactpoint" / "settings"
# The environments: each starts from base and sets what differs there.
ENVIRONMENTS = {"__init__.py", "base.py", "development.py", "production.py", "test.py"}
TOPICS = sorted(p for p in SETTINGS.glob("*.py") if p.name not in ENVIRONMENTS)


def _module_level(path: Path) -> list[ast.stmt]:
    """Statements at module level, with those inside a module-level ``if`` (a check)."""
    statements = []
    for node in ast.parse(path.read_text()).body:
        statements += [node, *node.body] if isinstance(node, ast.If) else [node]
    return statements


def test_it_defines_each_setting_in_one_topic_only():
    homes: dict[str, list[str]] = {}
    for path in TOPICS:
        for node in _module_level(path):
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                if isinstance(target, ast.Name) and target.id.isupper():
                    homes.setdefault(target.id, []).append(path.name)
    assert {name: where for name, where in homes.items() if len(where) > 1} == {}


def test_no_topic_changes_a_setting_after_defining_it():
    """No appendices: a later line adding to a dict or list defined earlier is how one
    setting came to be written in several places."""
    changes = [
        f"{path.name}:{node.lineno}"
        for path in TOPICS
        for node in _module_level(path)
        if isinstance(node, ast.AugAssign)
        or (isinstance(node, ast.Assign) and not all(isinstance(t, ast.Name) for t in node.targets))
    ]
    assert changes == []


def test_every_number_is_read_through_the_helper():
    reads = [
        f"{path.name}: env.{attribute}"
        for path in SETTINGS.glob("*.py")
        if path.name != "environment.py"
        for attribute in ("int(", "float(")
        if f"env.{attribute}" in path.read_text()
    ]
    assert reads == []


def test_it_reads_a_whole_number(monkeypatch):
    monkeypatch.setenv("CP_TEST_NUMBER", "7")
    assert env_number("CP_TEST_NUMBER", default=1, least=1) == 7


def test_it_reads_a_fraction_when_the_default_is_one(monkeypatch):
    monkeypatch.setenv("CP_TEST_NUMBER", "0.25")
    assert env_number("CP_TEST_NUMBER", default=1.0, above=0) == 0.25


def test_it_gives_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("CP_TEST_NUMBER", raising=False)
    assert env_number("CP_TEST_NUMBER", default=15, least=1) == 15


@pytest.mark.parametrize(
    ("value", "bounds", "message"),
    [
        ("0", {"least": 1}, "CP_TEST_NUMBER must be at least 1."),
        ("-1", {"least": 0}, "CP_TEST_NUMBER must not be negative."),
        ("0", {"above": 0}, "CP_TEST_NUMBER must be above 0."),
        ("2", {"least": 0, "most": 1}, "CP_TEST_NUMBER must be at most 1."),
    ],
)
def test_it_refuses_a_number_out_of_range(monkeypatch, value, bounds, message):
    monkeypatch.setenv("CP_TEST_NUMBER", value)
    default = 1.0 if "above" in bounds or "most" in bounds else 1
    with pytest.raises(ImproperlyConfigured, match=f"^{message}$"):
        env_number("CP_TEST_NUMBER", default=default, **bounds)


def test_it_refuses_what_is_not_a_number(monkeypatch):
    monkeypatch.setenv("CP_TEST_NUMBER", "ten")
    with pytest.raises(ValueError):
        env_number("CP_TEST_NUMBER", default=1, least=1)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GRANT_MINUTES", "0"),
        ("AUDIT_SEAL_INTERVAL_SECONDS", "0"),
        ("REDIS_SOCKET_TIMEOUT_SECONDS", "0"),
        # The late settle cannot come before the settle (MISUSE_FOLLOW_UP_DAYS, 5).
        ("MISUSE_LATE_FOLLOW_UP_DAYS", "4"),
    ],
)
def test_the_service_does_not_start_with_a_setting_out_of_range(variable, value):
    refused = _settings(**{variable: value})
    assert refused.returncode != 0
    assert f"ImproperlyConfigured: {variable} must be" in refused.stderr
