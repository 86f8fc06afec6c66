"""Browser tests drive Debian's chromium through Playwright against pytest-django's live
server. They are skipped, loudly, only where chromium is not installed (``make test``
installs it as root)."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"

# Playwright's sync API keeps an event loop running in the test thread; the test's own
# database calls are ordinary synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=f"chromium not found at {CHROMIUM}; run `make test` as root")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under screenshots/ so a person can look at it."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(autouse=True)
def _webauthn_origin(request, settings):
    """Security keys answer only to the origin the server expects: the live server's, with
    the port it was given (its host, localhost, is the RP ID)."""
    if "live_server" in request.fixturenames:
        settings.WEBAUTHN_ALLOWED_ORIGINS = [request.getfixturevalue("live_server").url]
