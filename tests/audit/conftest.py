"""Fixtures for the audit tests: a private witness per test, events written the way the app
writes them, tampering as a database superuser would do it (triggers disabled), and the
personas of a subject access request (``sar``)."""

import json
from itertools import count
from types import SimpleNamespace

import psycopg2
import pytest
from django.conf import settings
from django.db import connection, transaction

from access.models import Role
from audit.roles import app_role_exists, app_role_privileges_apply
from audit.sealing.sealer import audit_seal
from audit.sealing.witness import DirectoryWitness
from audit.writer import Actor, access_event_record
from directory.models import Involvement, Organisation
from tests.factories import InvolvementFactory, OrganisationFactory, UserFactory

ALICE = Actor(
    user_id=1,
    username="alice",
    role="practitioner",
    organisation_id=1,
    ip_address="192.0.2.10",
    user_agent="pytest",
)


@pytest.fixture(autouse=True)
def witness(tmp_path, settings) -> DirectoryWitness:
    """Each test gets an empty witness directory of its own."""
    settings.AUDIT_WITNESS_DIR = str(tmp_path / "witness")
    return DirectoryWitness(tmp_path / "witness")


_NUMBERS = count()


def log_events(how_many: int, **fields) -> list[int]:
    """Write ``how_many`` search events (each different) through the one writer, each in its
    own transaction as the gateway does; return their ids."""
    ids = []
    for number in (next(_NUMBERS) for _ in range(how_many)):
        with transaction.atomic():
            event = access_event_record(
                actor=ALICE,
                action="search",
                outcome="shown",
                purpose="referral",
                criteria={"family_name": f"Thompson{number}", "date_of_birth": "2015-03-27"},
                result_ids=[f"child{number:021d}"],
                **fields,
            )
        ids.append(event.pk)
    return ids


def log_version_1_events(how_many: int, *, criteria: dict, reason: str = "", **fields) -> list:
    """Write ``how_many`` search events as they were written before migration 0013 (leaf
    version 1: criteria and reason inside the leaf, no salt or digest), as the owner; return
    their ids. The one writer no longer writes such rows: this is the old world, for tests of
    what migrated it (forgetting, re-rooting)."""
    values = {"result_ids": [], "child_public_id": "", **fields}
    ids = []
    with connection.cursor() as cursor:
        for _ in range(how_many):
            cursor.execute(
                "INSERT INTO audit_accessevent (occurred_at, actor_id, actor_username,"
                " actor_role, organisation_id, action, outcome, purpose, criteria, result_ids,"
                " child_public_id, reason, ip_address, user_agent, leaf_version) VALUES (now(),"
                " 1, 'alice', 'practitioner', 1, 'search', 'shown', 'referral', %s, %s, %s, %s,"
                " '192.0.2.10', 'pytest', 1) RETURNING id",
                [json.dumps(criteria), values["result_ids"], values["child_public_id"], reason],
            )
            ids.append(cursor.fetchone()[0])
    return ids


def seal():
    """One sealing round that must produce a head."""
    result = audit_seal(wait_seconds=1.0)
    assert result.head is not None, result
    return result.head


def tamper(sql: str, params: list | None = None) -> None:
    """Run ``sql`` as the table owner with every user trigger on the audit tables disabled
    and the retention switch off: what a superuser (or an owner bypassing the rules) can do."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL contactpoint.audit_retention = 'off'")
        for table in ("audit_accessevent", "audit_treehead", "audit_transitionhead"):
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        for table in ("audit_accessevent", "audit_treehead", "audit_transitionhead"):
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


@pytest.fixture
def sar(world):
    """Leeds's data manager (dana), Kent's (kim), and a sexual-health clinic in Leeds with a
    cloaked involvement with maya and a nurse who looks her up."""
    kent_council = OrganisationFactory(
        name="Kent Children's Services",
        kind=Organisation.Kind.LA_CHILDRENS_SERVICES,
        local_authority=world.kent,
    )
    clinic = OrganisationFactory(
        name="Leeds Sexual Health",
        kind=Organisation.Kind.HEALTH_SERVICE,
        sensitive_service=True,
        local_authority=world.leeds,
    )
    InvolvementFactory(
        child=world.maya, organisation=clinic, role=Involvement.Role.SEXUAL_HEALTH, cloaked=True
    )
    return SimpleNamespace(
        dana=UserFactory(username="dana", role=Role.DATA_MANAGER, organisation=world.council),
        kim=UserFactory(username="kim", role=Role.DATA_MANAGER, organisation=kent_council),
        nurse=UserFactory(username="nurse", organisation=clinic, job_title="Nurse"),
    )


@pytest.fixture
def app_role(db):
    """The application's database role, as the embedded and docker set-ups create it, with
    the privileges ``migrate`` gives it."""
    role = settings.DATABASE_APP_ROLE
    with connection.cursor() as cursor:
        if not app_role_exists(cursor, role):
            cursor.execute(f"CREATE ROLE {connection.ops.quote_name(role)} NOLOGIN")
    app_role_privileges_apply()
    return role


def run_sql(sql: str, params: list | None = None, role: str | None = None):
    """Run ``sql`` (as ``role``) in a savepoint, so a refusal does not end the test; the rows,
    if it returns any."""
    with transaction.atomic(), connection.cursor() as cursor:
        if role:
            cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(role)}")
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def second_session():
    """Another real connection to the test database (another request, worker or sealer),
    outside the test's transaction; the caller closes it."""
    params = connection.settings_dict
    return psycopg2.connect(
        host=params["HOST"],
        port=params["PORT"],
        user=params["USER"],
        password=params["PASSWORD"],
        dbname=params["NAME"],
    )
