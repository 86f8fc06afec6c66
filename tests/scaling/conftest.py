"""A primary and a streaming replica of its own for the read-replica tests, with Django's
``default`` connection pointed at the primary and a ``replica`` alias at the replica.

Why not the test database pytest-django creates: it lives in the developer's shared cluster,
whose base backup may be gigabytes (benchmark worlds) and whose settings belong to everyone
using it. A private pair takes about two seconds to build. Nothing here runs inside
pytest-django's per-test transaction: rows must be committed to stream to the replica, and
the whole pair is deleted afterwards, so no test needs to clean up after itself beyond
putting back what it changed for the next test of the module.
"""

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections

from access.gateway.replica import REPLICA_ALIAS
from contactpoint.stack_provision import APP_ROLE, DATABASE, OWNER_ROLE
from tests.factories import (
    ChildFactory,
    InvolvementFactory,
    LocalAuthorityFactory,
    OrganisationFactory,
    UserFactory,
)

from .cluster import ClusterUnavailable, ReplicatedPair, replicated_pair


@pytest.fixture(scope="module")
def replicated(django_db_blocker) -> Iterator[SimpleNamespace]:
    """The pair, migrated, with a small committed world already streamed to the replica."""
    try:
        pair = replicated_pair()
    except ClusterUnavailable as error:
        pytest.skip(f"embedded PostgreSQL binaries cannot run here: {error}")
    try:
        with django_db_blocker.unblock(), _databases_on(pair):
            call_command("migrate", verbosity=0)
            world = _world()
            pair.wait_caught_up()
            yield SimpleNamespace(pair=pair, **world)
    finally:
        pair.close()


@contextmanager
def _databases_on(pair: ReplicatedPair) -> Iterator[None]:
    """Point ``default`` at the private primary and add ``replica``; put everything back after.

    The settings dicts are changed in place, as Django's own test set-up does when it renames
    the database. Content types are cached per alias by id, and the ids differ between the two
    databases, so the cache is emptied on the way in and out.
    """
    primary = connections[DEFAULT_DB_ALIAS]
    saved = dict(primary.settings_dict)
    connections.close_all()
    ContentType.objects.clear_cache()
    address = {"HOST": "127.0.0.1", "NAME": DATABASE, "PASSWORD": ""}
    primary.settings_dict.update(address, PORT=pair.primary.port, USER=OWNER_ROLE)
    # The replica is read as the application role, as in production.
    replica = {**primary.settings_dict, **address, "PORT": pair.replica.port, "USER": APP_ROLE}
    replica["OPTIONS"] = {}
    settings.DATABASES[REPLICA_ALIAS] = connections.settings[REPLICA_ALIAS] = replica
    try:
        yield
    finally:
        connections.close_all()
        with suppress(AttributeError):  # never opened in this thread
            del connections[REPLICA_ALIAS]
        settings.DATABASES.pop(REPLICA_ALIAS, None)
        connections.settings.pop(REPLICA_ALIAS, None)
        primary.settings_dict.clear()
        primary.settings_dict.update(saved)
        ContentType.objects.clear_cache()


def _world() -> dict:
    """alice (school A) works with maya; kent_child is out of her scope."""
    leeds = LocalAuthorityFactory(code="E08000035", name="Leeds")
    kent = LocalAuthorityFactory(code="E10000016", name="Kent")
    school_a = OrganisationFactory(name="Hillside Primary School", local_authority=leeds)
    alice = UserFactory(username="alice", organisation=school_a)
    maya = ChildFactory(
        given_name="Maya",
        family_name="Thompson",
        local_authority=leeds,
        address_line_1="12 Orchard Way",
    )
    InvolvementFactory(child=maya, organisation=school_a)
    kent_child = ChildFactory(given_name="Oliver", family_name="Thompson", local_authority=kent)
    return {"leeds": leeds, "school_a": school_a, "alice": alice, "maya": maya, "kent": kent_child}
