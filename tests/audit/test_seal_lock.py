"""The application's role cannot stall the sealer (issue 14, finding 4).

It used to take the sealer's advisory lock and hold it: nothing was sealed meanwhile, and an
edit made during the stall was sealed later as if genuine. Now the lock is a row in a table
only the owner may touch, taken through a function that asks for proof of the signing key,
bound to the caller's own transaction. ``app_session`` is the one who must not get it: a
second database session acting as the application's role, as an injection would.
"""

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from psycopg2 import errors

from audit.models import TreeHead
from audit.sealing.keys import signing_key
from audit.sealing.seal_lock import sealer_response
from audit.sealing.sealer import SEALED, audit_seal

from .conftest import log_events, second_session

# The advisory lock key the sealer used to take: the bytes of "CPSEL".
OLD_SEAL_LOCK = 0x435053454C


@pytest.fixture
def app_session(transactional_db):
    """A second real session, acting as the application's role from its first statement."""
    session = second_session()
    session.cursor().execute(f"SET ROLE {connection.ops.quote_name(settings.DATABASE_APP_ROLE)}")
    session.commit()
    yield session
    session.close()


def test_it_seals_while_the_app_role_holds_the_old_advisory_lock(app_session):
    app_session.cursor().execute("SELECT pg_advisory_lock(%s)", [OLD_SEAL_LOCK])
    log_events(2)
    assert audit_seal(wait_seconds=0).status == SEALED
    assert TreeHead.objects.get().tree_size == 2


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id FROM audit_seallock FOR UPDATE",
        "LOCK TABLE audit_seallock IN ACCESS EXCLUSIVE MODE",
        "SELECT cp_audit_seal_lock(sha256('guess'::bytea))",
    ],
)
def test_it_does_not_let_the_app_role_take_the_sealers_lock(app_session, sql):
    with pytest.raises(errors.InsufficientPrivilege):
        app_session.cursor().execute(sql)
    log_events(1)
    assert audit_seal(wait_seconds=0).status == SEALED


def test_it_refuses_a_sealers_response_replayed_in_another_transaction(app_session):
    """The sealer's response is in pg_stat_activity while its statement runs; it is worth
    nothing outside the sealer's own transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        seen = sealer_response(cursor, signing_key())
    with pytest.raises(errors.InsufficientPrivilege, match="only the audit sealer"):
        app_session.cursor().execute("SELECT cp_audit_seal_lock(%s)", [seen])


def test_it_does_not_let_the_app_role_write_a_head(app_session):
    """A head row of the next tree size, held uncommitted, would make the sealer's own insert
    wait behind it."""
    with pytest.raises(errors.InsufficientPrivilege):
        app_session.cursor().execute(
            "INSERT INTO audit_treehead (tree_size, root_hash, previous_tree_size, "
            "previous_root_hash, first_event_id, last_event_id, sealed_through_id, sealed_at, "
            "key_id, signature, frontier, event_ids, leaf_hashes) "
            "VALUES (1, '', 0, '', 1, 1, 1, now(), 'x', '', '', '', '')"
        )
    log_events(1)
    assert audit_seal(wait_seconds=0).status == SEALED


def test_it_refuses_a_sealer_whose_key_was_never_registered(db, settings):
    settings.AUDIT_SIGNING_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
    log_events(1)
    with pytest.raises(ImproperlyConfigured, match="run `python manage.py migrate`"):
        audit_seal()
    assert not TreeHead.objects.exists()
