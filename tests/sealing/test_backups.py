"""What a copy of the database tells its holder (issue 15): a dump of the demo world holds
none of its addresses and contacts, and an encrypted backup restores into a fresh database
that verifies and opens with the key, and with nothing else."""

import base64
import os
import subprocess
import time
from contextlib import contextmanager
from io import StringIO

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone

from access.models import AccessRequest, User
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record_now
from contactpoint.backup import libpq_env, pg_tool
from directory.demo.world import world_build
from directory.models import Carer, Child, FeedUpload
from directory.sealing import keyring, provider

CHILDREN = 150
SEED = 11


@pytest.fixture
def demo_world(transactional_db, tmp_path, settings):
    """The demo world, committed (pg_dump reads it through its own connection)."""
    settings.AUDIT_WITNESS_DIR = str(tmp_path / "witness")
    keyring.keys_forget()
    call_command(
        "seed_demo", "--children", str(CHILDREN), "--seed", str(SEED),
        "--credentials", str(tmp_path / "logins.json"), stdout=StringIO(),
    )  # fmt: skip
    yield world_build(children=CHILDREN, seed=SEED, today=timezone.localdate())
    keyring.keys_forget()
    provider.key_provider.cache_clear()


def _located(world) -> set[str]:
    """Every address line, postcode, phone number and e-mail address of the world's children
    and carers (towns are left out: each is also an authority's or a school's name)."""
    values = set()
    for child in world.children:
        values |= {child.address_line_1, child.address_line_2, child.postcode}
    for carer in world.carers:
        values |= {carer.phone, carer.email, carer.address}
    # An organisation's own address and contacts are public (a school's postcode may be a
    # pupil's too; a district names a line of both): a child's value found there is not theirs.
    public = " | ".join(
        part
        for row in [*world.organisations, *world.practitioners]
        for part in (
            getattr(row, "address", ""),
            getattr(row, "postcode", ""),
            row.phone,
            row.email,
        )
    )
    return {value for value in values if value and value not in public}


def _dump(database: dict) -> str:
    args, env = libpq_env(database)
    command = [pg_tool("pg_dump"), *args, "--dbname", database["NAME"]]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout  # noqa: S603


def test_a_dump_of_the_demo_world_holds_none_of_its_addresses_or_contacts(demo_world):
    # A user's own home postcode (misuse review's own-address check) is staff data, kept in
    # the clear; the demo plants one at a child's postcode. Not protected yet: see
    # docs/encryption.md, "What stays in the clear".
    homes = set(User.objects.exclude(home_postcode="").values_list("home_postcode", flat=True))
    located = _located(demo_world) - homes
    assert len(located) > CHILDREN
    typed = sorted(located & {child.postcode for child in demo_world.children})[0]
    _typed_into_a_search_and_a_request(typed)
    text = _dump(connection.settings_dict)
    assert demo_world.children[0].family_name in text  # the dump is real: names are there
    found = sorted(value for value in located if value in text)
    assert found == [], [(v, text[text.index(v) - 100 : text.index(v) + 20]) for v in found]


def _typed_into_a_search_and_a_request(postcode: str) -> None:
    """A child's postcode typed into a search (kept in the audit log's criteria), into an
    access request (its criteria) and in a feed file waiting for the worker, committed, as the
    pages write them."""
    requester, supervisor = User.objects.order_by("id")[:2]
    actor = Actor(requester.pk, requester.username, requester.role, None, "10.0.0.1", "test")
    access_event_record_now(
        actor=actor,
        action=AccessEvent.Action.SEARCH,
        outcome=AccessEvent.Outcome.NOT_FOUND,
        criteria={"family_name": "Nobody", "postcode": postcode},
    )
    AccessRequest.objects.create(
        requester=requester,
        supervisor=supervisor,
        kind=AccessRequest.Kind.PLANNED,
        reason=AccessRequest.Reason.NEW_INVOLVEMENT,
        justification="Starting to work with the family next week.",
        criteria={"family_name": "Nobody", "postcode": postcode},
        status=AccessRequest.Status.AWAITING_APPROVAL,
    )
    upload = FeedUpload(source="school_census", filename="f.csv", size=9, uploaded_by=requester)
    upload.file_seal(f"postcode\n{postcode}\n".encode())
    upload.save(force_insert=True)


@contextmanager
def _database(name: str):
    """A fresh database on the test server, dropped afterwards."""
    settings_dict = connection.settings_dict
    admin = psycopg2.connect(
        dbname="postgres", user=settings_dict["USER"], password=settings_dict["PASSWORD"],
        host=settings_dict["HOST"], port=settings_dict["PORT"],
    )  # fmt: skip
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        _drop(admin, name)
        admin.close()


def _drop(admin, name: str, attempts: int = 20) -> None:
    """Drop ``name``, waiting out a backend that ``FORCE`` may not end: an autovacuum worker
    on the fresh database runs as the bootstrap superuser, and the owner role may not
    terminate it ("permission denied to terminate process"; seen once in a full run)."""
    for attempt in range(attempts):
        try:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except (psycopg2.errors.InsufficientPrivilege, psycopg2.errors.ObjectInUse):
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)


@contextmanager
def _reading(name: str):
    """The application's default connection pointed at database ``name`` for a while."""
    default = connections["default"]
    before = default.settings_dict["NAME"]
    default.close()
    default.settings_dict["NAME"] = name
    try:
        yield
    finally:
        default.close()
        default.settings_dict["NAME"] = before


def test_the_restore_drill(demo_world, tmp_path):
    call_command("seal_audit", stdout=StringIO())
    backup = tmp_path / "directory.backup"
    call_command("backup", "--output", str(backup), stdout=StringIO())
    raw = backup.read_bytes()
    assert demo_world.children[0].family_name.encode() not in raw
    assert b"PGDMP" not in raw
    first = demo_world.children[0]
    with _database(f"{connection.settings_dict['NAME']}_restored") as restored:
        call_command("restore", str(backup), "--database", restored, stdout=StringIO())
        with _reading(restored):
            call_command("verify_audit", stdout=StringIO())
            keyring.keys_forget()
            child = Child.objects.get(public_id=first.public_id)
            assert (child.address_line_1, child.postcode) == (first.address_line_1, first.postcode)
            carer = Carer.objects.filter(child=child).first()
            assert carer is None or "@" in carer.email or carer.phone
            stranger = "stranger " + base64.b64encode(os.urandom(32)).decode()
            with override_settings(FIELD_KEK=stranger):
                provider.key_provider.cache_clear()
                keyring.keys_forget()
                with pytest.raises(provider.KeyUnavailable):
                    _ = Child.objects.get(public_id=first.public_id).postcode
            provider.key_provider.cache_clear()


def test_a_backup_does_not_restore_without_the_key(demo_world, tmp_path):
    backup = tmp_path / "directory.backup"
    call_command("backup", "--output", str(backup), stdout=StringIO())
    stranger = "stranger " + base64.b64encode(os.urandom(32)).decode()
    with (
        _database(f"{connection.settings_dict['NAME']}_nokey") as target,
        override_settings(FIELD_KEK=stranger),
    ):
        provider.key_provider.cache_clear()
        with pytest.raises(provider.KeyUnavailable):
            call_command("restore", str(backup), "--database", target, stdout=StringIO())
    provider.key_provider.cache_clear()
