"""The journey a local authority's data manager takes with a feed file: upload it, watch the
page until the worker has imported it, read the result; and a file with mistakes, whose
problems are listed and downloaded. A real Celery worker runs the import."""

import tempfile
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import expect

from access.models import Role
from contactpoint.celery import app
from directory.models import FeedUpload
from tests.directory.test_feeds import feed_bytes, row
from tests.factories import UserFactory

from .journeys import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}


def shot(page, name: str) -> None:
    """Full-page screenshots beside the system's temporary files, for a person to look at."""
    path = Path(tempfile.gettempdir()) / f"feeds_{name}.png"
    page.screenshot(path=str(path), full_page=True)


def upload(page, base_url: str, data: bytes, name: str) -> None:
    page.goto(f"{base_url}/feeds/")
    page.get_by_label("School census").check()
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    page.click("button:has-text('Upload and import')")


@pytest.fixture
def manager(world):
    return UserFactory(
        username="dee",
        first_name="Dee",
        last_name="Marsh",
        role=Role.DATA_MANAGER,
        organisation=world.council,
    )


def test_it_takes_a_data_manager_from_upload_to_the_imported_result(
    world, manager, live_server, page
):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, manager)
    page.get_by_role("link", name="Feeds", exact=True).click()
    expect(page.locator("h1")).to_have_text("Feeds")
    assert_accessible(page)
    shot(page, "form_desktop")

    page.click("button:has-text('Upload and import')")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select which feed")
    assert_accessible(page)
    shot(page, "form_errors_desktop")

    data = feed_bytes(row(world), row(world, source_record_id="UPN-2", given_name="Ada"))
    upload(page, live_server.url, data, "spring-census.csv")
    expect(page.locator("main h2")).to_have_text("Waiting to start")
    assert_accessible(page)
    shot(page, "waiting_desktop")
    # No reload from here: the page's Refresh header brings the result once the worker is up.
    with start_worker(app, perform_ping_check=False, shutdown_timeout=10):
        expect(page.locator(".govuk-panel__title")).to_have_text("File imported", timeout=20000)
    expect(page.locator(".govuk-summary-list")).to_contain_text("New children added")
    assert_accessible(page)
    shot(page, "imported_desktop")
    page.set_viewport_size(MOBILE)
    shot(page, "imported_mobile")

    page.goto(f"{live_server.url}/feeds/")
    expect(page.locator("table")).to_contain_text("spring-census.csv")
    shot(page, "list_mobile")
    page.set_viewport_size(DESKTOP)
    shot(page, "list_desktop")


def test_it_lists_a_rejected_files_problems_and_downloads_them(world, manager, live_server, page):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, manager)
    bad = [row(world, source_record_id=f"UPN-{n}", date_of_birth="2016-13-40") for n in range(3)]
    with start_worker(app, perform_ping_check=False, shutdown_timeout=10):
        upload(page, live_server.url, feed_bytes(*bad, row(world, postcode="nowhere")), "bad.csv")
        expect(page.locator("main h2").first).to_have_text(
            "The file was not imported", timeout=20000
        )
    expect(page.locator("table")).to_contain_text("date_of_birth")
    assert_accessible(page)
    shot(page, "rejected_desktop")
    page.set_viewport_size(MOBILE)
    shot(page, "rejected_mobile")

    with page.expect_download() as download:
        page.click("text=Download the error report (CSV)")
    report = Path(download.value.path()).read_text()
    assert report.splitlines()[0] == "row,field,problem"
    assert len(report.splitlines()) == 1 + page.locator("tbody tr").count()


def test_it_shows_how_far_an_import_has_got(world, manager, live_server, page):
    running = FeedUpload.objects.create(
        source="gp_registrations", filename="gp-list-december.csv", size=48_000_000,
        data=b"-", uploaded_by=manager, status=FeedUpload.Status.RUNNING, done=3000, total=12500,
    )  # fmt: skip
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, manager)
    page.goto(f"{live_server.url}/feeds/uploads/{running.pk}/")
    expect(page.locator("main")).to_contain_text("3,000 of 12,500 records applied")
    assert_accessible(page)
    shot(page, "running_desktop")
    page.set_viewport_size(MOBILE)
    shot(page, "running_mobile")
