"""The feeds page: a data manager uploads a file, the worker imports it, the page shows the
progress and the result, and nobody outside the authority learns the upload exists (issue 12).

Most tests run the task eagerly, in the test's transaction (Celery's ``task_always_eager``,
set on the real app); one runs it through a real worker on the real broker."""

import csv
import io
import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections, transaction

from access.models import Role
from audit.models import AccessEvent
from contactpoint.celery import app
from directory.feeds.uploads import feed_upload_run
from directory.models import Child, FeedBatch, FeedUpload, Organisation
from directory.tasks import feed_upload_import_task

from ..factories import OrganisationFactory, UserFactory
from .test_feeds import feed_bytes, row

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def manager(world):
    return UserFactory(username="dee", role=Role.DATA_MANAGER, organisation=world.council)


@pytest.fixture
def kent_manager(world):
    kent_council = OrganisationFactory(
        name="Kent Children's Services",
        kind=Organisation.Kind.LA_CHILDRENS_SERVICES,
        local_authority=world.kent,
    )
    return UserFactory(username="kim", role=Role.DATA_MANAGER, organisation=kent_council)


@pytest.fixture
def eager():
    """Tasks run where they are sent, as a worker would run them, inside the test."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def post_file(client, data: bytes, source="school_census", name="census.csv"):
    file = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post("/feeds/", {"source": source, "file": file})


@pytest.fixture
def uploaded(world, manager, as_user, eager, django_capture_on_commit_callbacks):
    """Upload ``data`` as the Leeds data manager; the task runs when the upload commits."""

    def upload(data: bytes, **options) -> FeedUpload:
        with django_capture_on_commit_callbacks(execute=True):
            response = post_file(as_user(manager), data, **options)
        assert response.status_code == 302
        return FeedUpload.objects.latest("pk")

    return upload


def good_file(world, **values) -> bytes:
    return feed_bytes(row(world, **values))


def bad_file(world, rows: int = 1) -> bytes:
    return feed_bytes(
        *(row(world, source_record_id=f"UPN-{n}", date_of_birth="2016-13-40") for n in range(rows))
    )


def page(client, upload: FeedUpload):
    return client.get(f"/feeds/uploads/{upload.pk}/")


# --- the journey ------------------------------------------------------------------------------


def test_it_sends_the_uploader_to_the_uploads_page(world, manager, as_user):
    response = post_file(as_user(manager), good_file(world))
    assert response["Location"] == f"/feeds/uploads/{FeedUpload.objects.get().pk}/"


def test_it_shows_an_upload_waiting_and_reloads_the_page(world, manager, as_user):
    post_file(as_user(manager), good_file(world))
    response = page(as_user(manager), FeedUpload.objects.get())
    assert "Waiting to start" in response.content.decode()
    assert response["Refresh"] == "2"


def test_it_shows_the_counts_of_an_imported_file(world, manager, as_user, uploaded):
    upload = uploaded(good_file(world))
    body = page(as_user(manager), upload).content.decode()
    assert "File imported" in body
    assert '>New children added</dt><dd class="govuk-summary-list__value">1<' in body
    assert 'href="/feeds/reviews/"' in body


def test_it_stops_reloading_once_the_import_has_finished(world, manager, as_user, uploaded):
    response = page(as_user(manager), uploaded(good_file(world)))
    assert "Refresh" not in response


def test_it_imports_the_child(world, uploaded):
    uploaded(good_file(world))
    assert Child.objects.filter(family_name="Okafor", given_name="Chidi").count() == 1


def test_it_records_the_import_as_the_uploader(world, manager, uploaded):
    uploaded(good_file(world))
    event = AccessEvent.objects.get(action=AccessEvent.Action.FEED_IMPORTED)
    assert (event.actor_id, event.actor_username) == (manager.pk, "dee")


def test_it_says_when_a_file_was_imported_before(world, manager, as_user, uploaded):
    uploaded(good_file(world))
    again = uploaded(good_file(world), name="census-again.csv")
    assert again.status == FeedUpload.Status.ALREADY
    assert "This file was imported before" in page(as_user(manager), again).content.decode()


def test_it_forgets_the_files_bytes_once_imported(world, uploaded):
    upload = uploaded(good_file(world))
    upload.refresh_from_db()
    assert (upload.status, upload.data) == (FeedUpload.Status.APPLIED, None)


def test_it_forgets_a_rejected_files_bytes(world, uploaded):
    upload = uploaded(bad_file(world))
    upload.refresh_from_db()
    assert (upload.status, upload.data) == (FeedUpload.Status.REJECTED, None)


# --- a rejected file ----------------------------------------------------------------------------


def test_it_lists_a_rejected_files_problems(world, manager, as_user, uploaded):
    body = page(as_user(manager), uploaded(bad_file(world))).content.decode()
    assert "The file was not imported" in body
    assert '<td class="govuk-table__cell">date_of_birth</td>' in body
    assert "Download the error report (CSV)" in body


def test_it_shows_only_the_first_fifty_problems(world, manager, as_user, uploaded):
    body = page(as_user(manager), uploaded(bad_file(world, rows=60))).content.decode()
    assert "The first 50 of 60 problems" in body
    assert body.count('<td class="govuk-table__cell">date_of_birth</td>') == 50


def test_it_downloads_every_problem_as_csv(world, manager, as_user, uploaded):
    upload = uploaded(bad_file(world, rows=60))
    response = as_user(manager).get(f"/feeds/uploads/{upload.pk}/errors.csv")
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert lines[0] == ["row", "field", "problem"]
    assert [line[:2] for line in lines[1:]] == [[str(n), "date_of_birth"] for n in range(2, 62)]


def test_it_has_no_error_report_for_an_imported_file(world, manager, as_user, uploaded):
    upload = uploaded(good_file(world))
    assert as_user(manager).get(f"/feeds/uploads/{upload.pk}/errors.csv").status_code == 404


# --- the size limit ---------------------------------------------------------------------------


def test_it_refuses_a_file_over_the_size_limit(world, manager, as_user, settings):
    settings.FEED_UPLOAD_MAX_BYTES = 100
    response = post_file(as_user(manager), good_file(world))
    assert response.status_code == 400
    assert "The file must be 100\xa0bytes or smaller" in response.content.decode()


def test_it_stores_and_queues_nothing_for_a_file_over_the_limit(
    world, manager, as_user, settings, django_capture_on_commit_callbacks
):
    settings.FEED_UPLOAD_MAX_BYTES = 100
    with django_capture_on_commit_callbacks() as callbacks:
        post_file(as_user(manager), good_file(world))
    assert (FeedUpload.objects.count(), callbacks) == (0, [])


# --- who may see what ---------------------------------------------------------------------------


def test_it_shows_a_colleagues_upload_to_another_data_manager_of_the_authority(
    world, as_user, uploaded
):
    colleague = UserFactory(role=Role.DATA_MANAGER, organisation=world.council)
    upload = uploaded(good_file(world))
    assert page(as_user(colleague), upload).status_code == 200


def test_it_lists_the_authoritys_uploads(world, manager, as_user, uploaded):
    uploaded(good_file(world), name="spring-census.csv")
    assert "spring-census.csv" in as_user(manager).get("/feeds/").content.decode()


def test_it_hides_an_upload_from_a_practitioner(world, as_user, uploaded):
    upload = uploaded(good_file(world))
    assert page(as_user(world.dora), upload).status_code == 404


def test_it_hides_an_upload_from_another_authoritys_data_manager(
    world, kent_manager, as_user, uploaded
):
    upload = uploaded(good_file(world))
    assert page(as_user(kent_manager), upload).status_code == 404


def test_it_hides_an_error_report_from_another_authoritys_data_manager(
    world, kent_manager, as_user, uploaded
):
    upload = uploaded(bad_file(world))
    response = as_user(kent_manager).get(f"/feeds/uploads/{upload.pk}/errors.csv")
    assert response.status_code == 404


def test_it_answers_a_hidden_upload_like_a_missing_one(world, kent_manager, as_user, uploaded):
    upload = uploaded(good_file(world))
    client = as_user(kent_manager)
    assert page(client, upload).content == client.get("/feeds/uploads/999999999/").content


def test_it_leaves_an_upload_out_of_another_authoritys_list(world, kent_manager, as_user, uploaded):
    uploaded(good_file(world), name="spring-census.csv")
    assert "spring-census.csv" not in as_user(kent_manager).get("/feeds/").content.decode()


def test_it_hides_the_feeds_page_from_a_practitioner(world, as_user):
    assert as_user(world.alice).get("/feeds/").status_code == 404


def test_it_hides_the_feeds_page_once_the_organisation_is_no_local_authority(
    world, manager, as_user
):
    """Role ceilings stop this at save; an organisation whose kind changed later does not."""
    Organisation.objects.filter(pk=world.council.pk).update(kind=Organisation.Kind.SCHOOL)
    assert as_user(manager).get("/feeds/").status_code == 404


def test_it_refuses_uploads_from_a_data_manager_whose_dbs_check_lapsed(world, as_user):
    lapsed = UserFactory(role=Role.DATA_MANAGER, organisation=world.council, dbs_checked_on=None)
    response = post_file(as_user(lapsed), good_file(world))
    assert response.status_code == 403
    assert "Your enhanced DBS check is missing" in response.content.decode()
    assert FeedUpload.objects.count() == 0


def test_it_records_the_refusal_of_a_lapsed_data_manager(world, as_user):
    lapsed = UserFactory(role=Role.DATA_MANAGER, organisation=world.council, dbs_checked_on=None)
    as_user(lapsed).get("/feeds/")
    assert AccessEvent.objects.filter(actor_id=lapsed.pk, outcome="refused").count() == 1


def test_it_offers_feeds_in_a_data_managers_navigation(world, manager, as_user):
    assert 'href="/feeds/">Feeds</a>' in as_user(manager).get("/inbox/").content.decode()


def test_it_offers_no_feeds_in_a_practitioners_navigation(world, as_user):
    assert 'href="/feeds/"' not in as_user(world.alice).get("/inbox/").content.decode()


# --- the task -----------------------------------------------------------------------------------


def test_it_does_nothing_when_the_task_is_delivered_again(world, uploaded):
    upload = uploaded(good_file(world))
    assert feed_upload_import_task.apply(args=[upload.pk]).get() == "applied"
    assert FeedBatch.objects.count() == 1
    assert AccessEvent.objects.filter(action=AccessEvent.Action.FEED_IMPORTED).count() == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_it_imports_an_upload_through_a_real_worker(world, manager, as_user):
    with start_worker(app, perform_ping_check=False, shutdown_timeout=10):
        post_file(as_user(manager), good_file(world))
        upload = FeedUpload.objects.get()
        for _ in range(200):
            upload.refresh_from_db()
            if upload.finished:
                break
            time.sleep(0.1)
    assert (upload.status, upload.data) == (FeedUpload.Status.APPLIED, None)


@pytest.mark.django_db(transaction=True, databases=["default", "audit"])
def test_it_shows_the_import_running_from_another_connection(world, manager, settings):
    """While the import's transaction is open (held here at its first write by a lock on
    the batches table), another session already sees the upload running."""
    settings.AUDIT_NOW_DATABASE = "audit"
    upload = FeedUpload(source="school_census", filename="census.csv", size=9, uploaded_by=manager)
    upload.file_seal(good_file(world))
    upload.save(force_insert=True)
    outcome = {}

    def work():
        try:
            outcome["status"] = feed_upload_run(upload_id=upload.pk)
        finally:
            connections.close_all()

    worker = threading.Thread(target=work)
    with transaction.atomic(using="audit"):
        connections["audit"].cursor().execute("LOCK TABLE directory_feedbatch IN SHARE MODE")
        worker.start()
        seen = _status_when_running(upload.pk)
        assert worker.is_alive()
    worker.join(timeout=30)
    assert (seen, outcome["status"]) == ("running", "applied")


def _status_when_running(upload_id: int) -> str:
    for _ in range(100):
        status = FeedUpload.objects.values_list("status", flat=True).get(pk=upload_id)
        if status != FeedUpload.Status.QUEUED:
            return status
        time.sleep(0.05)
    return status


def test_a_waiting_upload_is_stored_sealed_and_imports(world, manager, as_user, eager):
    """Issue 15: the file holds children's addresses while it waits for the worker, so its
    bytes are sealed at rest, bound to the upload; the import opens them."""
    data = good_file(world, postcode="LS6 2AB", address_line_1="12 Refuge Lane")
    response = post_file(as_user(manager), data)  # not committed: the task has not run
    assert response.status_code == 302
    upload = FeedUpload.objects.latest("pk")
    stored = bytes(upload.data)
    assert b"Refuge" not in stored and b"LS6" not in stored
    assert len(stored) > len(data)
    assert feed_upload_run(upload_id=upload.pk) == FeedUpload.Status.APPLIED
    assert Child.objects.get(family_name="Okafor").address_line_1 == "12 Refuge Lane"
    assert FeedUpload.objects.get(pk=upload.pk).data is None
