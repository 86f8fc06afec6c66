"""Re-rooting: the log's events of leaf version 1 become forgettable, in a new epoch.

Rule (retention, issue 13): a child's names, date of birth and postcode must leave the log when
the child's record is destroyed. An event written before migration 0013 (leaf version 1) seals
them in its leaf, so forgetting them would break every signed head after it. Re-rooting, once,
at a cut-over, as the owner and holding the signing key:

1. takes the sealer's lock for the whole transaction (``seal_lock``): no sealing round runs
   meanwhile, and the database lets nobody else re-encode (``cp_audit_reencode`` asks for the
   same proof and lock);
2. refuses unless the log verifies in full and every event is sealed;
3. gives each version 1 event a salt and the digest of its criteria and reason, and makes it
   version 2 (``cp_audit_reencode``, the one change the append-only trigger allows with
   ``contactpoint.audit_reroot`` on, each row written to the server log);
4. seals every event up to the cut-over again, in a fresh tree: the next epoch, whose heads
   name it in their signed bytes (``contactpoint-audit/v2``);
5. signs a transition head joining the old epoch's last head to the new epoch's head at the
   cut-over, committing to the mapping of each event's old leaf to its new one
   (``transition.py``), stores it, and after commit copies the new heads, the transition head
   and the mapping to the witness.

Nothing to do when no version 1 event is left: running it again after it succeeded changes
nothing (but finishes a witness copy that failed). docs/audit.md, *Epochs*, has what an
operator does and what it costs in trust.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ..models import TransitionHead, TreeHead
from .canonical import ROW_FIELDS, row_personal_digest
from .epochs import mapping_lines
from .heads import key_id_for
from .keys import signing_key
from .leaves import event_rows
from .seal_lock import seal_lock_take, sealer_response
from .sealer import MAX_BATCH, latest_head, seal_batch, witness_catch_up
from .transition import Transition, transition_sign
from .verification import audit_verify
from .witness import Witness, witness_from_settings

# Events re-encoded per statement.
CHUNK = 5000
_SALT_BYTES = 32
_LEAF_VERSION = ROW_FIELDS.index("leaf_version")

REROOTED = "rerooted"
NOTHING_TO_DO = "nothing_to_do"


class RerootRefused(Exception):
    """The log is not in a state to be re-rooted; nothing was changed."""


@dataclass(frozen=True)
class RerootResult:
    status: str
    epoch: int
    reencoded: int = 0
    heads: int = 0
    transition: TransitionHead | None = None


def audit_reroot(
    *, witness: Witness | None = None, lock_wait_seconds: float = 30.0
) -> RerootResult:
    """Re-root the log into a new epoch (see the module docstring); one transaction, so a
    failure anywhere changes nothing. Call it outside any other transaction."""
    key = signing_key()
    witness = witness or witness_from_settings()
    with transaction.atomic(), connection.cursor() as cursor:
        _refuse_the_app_role(cursor)
        _seal_lock_wait(cursor, key, lock_wait_seconds)
        previous = latest_head()
        if not _version_1_left(cursor):
            result = RerootResult(NOTHING_TO_DO, epoch=previous.epoch if previous else 1)
        else:
            _refuse_unless_intact(witness)
            result = _reroot(cursor, key, previous)
    witness_catch_up(witness=witness)
    return result


def _refuse_the_app_role(cursor) -> None:
    cursor.execute("SELECT current_user = %s", [settings.DATABASE_APP_ROLE])
    if cursor.fetchone()[0]:
        raise RerootRefused(
            "Re-rooting is the owner's: run it with DATABASE_URL set to the owner role's "
            "(DATABASE_OWNER_URL)."
        )


def _seal_lock_wait(cursor, key, seconds: float) -> None:
    """The sealer's lock, waiting out a sealing round in progress."""
    cursor.execute("SET LOCAL lock_timeout = '10s'")
    deadline = time.monotonic() + seconds
    while not seal_lock_take(cursor, key):
        if time.monotonic() >= deadline:
            raise RerootRefused(f"The sealer held its lock for more than {seconds:.0f} s.")
        time.sleep(0.2)


def _version_1_left(cursor) -> bool:
    cursor.execute("SELECT EXISTS (SELECT 1 FROM audit_accessevent WHERE leaf_version = 1)")
    return cursor.fetchone()[0]


def _refuse_unless_intact(witness: Witness) -> None:
    report = audit_verify(witness=witness)
    if not report.ok:
        raise RerootRefused(
            f"The audit log does not verify ({report.problems[0]}): re-rooting would seal "
            "the damage into the new epoch. Run verify_audit and investigate."
        )
    if report.unsealed_events:
        raise RerootRefused(
            f"{report.unsealed_events} events are not sealed yet: stop the application, run "
            "seal_audit, then re-root."
        )


def _reroot(cursor, key, previous: TreeHead) -> RerootResult:
    cutover = previous.sealed_through_id
    reencoded = _reencode(cursor, key, upto=cutover)
    epoch = previous.epoch + 1
    head, heads = None, 0
    while head is None or head.sealed_through_id < cutover:
        head = seal_batch(cursor, head, upto=cutover, max_batch=MAX_BATCH, key=key, epoch=epoch)
        heads += 1
    if head.tree_size != previous.tree_size:
        raise RerootRefused(
            f"Epoch {epoch} sealed {head.tree_size} events where epoch {previous.epoch} sealed "
            f"{previous.tree_size}: events changed during the cut-over."
        )
    digest = hashlib.sha256()
    lines = mapping_lines(to_epoch=epoch, to_tree_size=head.tree_size, sealed_through_id=cutover)
    for line in lines:
        digest.update(line)
    signed = transition_sign(
        Transition(
            to_epoch=epoch,
            from_tree_size=previous.tree_size,
            from_root_hash=bytes(previous.root_hash),
            to_tree_size=head.tree_size,
            to_root_hash=bytes(head.root_hash),
            sealed_through_id=cutover,
            reencoded_events=reencoded,
            mapping_sha256=digest.digest(),
            signed_at=timezone.now(),
            key_id=key_id_for(key.public_key()),
        ),
        key,
    )
    transition = TransitionHead.objects.create(
        **{name: getattr(signed.transition, name) for name in _TRANSITION_FIELDS},
        signature=signed.signature,
    )
    return RerootResult(REROOTED, epoch, reencoded, heads, transition)


_TRANSITION_FIELDS = (
    "to_epoch",
    "from_tree_size",
    "from_root_hash",
    "to_tree_size",
    "to_root_hash",
    "sealed_through_id",
    "reencoded_events",
    "mapping_sha256",
    "signed_at",
    "key_id",
)


def _reencode(cursor, key, *, upto: int) -> int:
    """Give every version 1 event up to ``upto`` a salt and its digest, and make it version 2;
    return how many. The digest is of criteria and reason as PostgreSQL gives them back, as
    the verifier will recompute it."""
    changed = 0
    batch: list[tuple[int, bytes, bytes]] = []
    for row in event_rows(cursor, after=0, upto=upto):
        if row[_LEAF_VERSION] == 1:
            salt = secrets.token_bytes(_SALT_BYTES)
            batch.append((row[0], salt, row_personal_digest(row, salt)))
        if len(batch) >= CHUNK:
            changed += _reencode_batch(key, batch)
            batch = []
    if batch:
        changed += _reencode_batch(key, batch)
    return changed


def _reencode_batch(key, batch: list[tuple[int, bytes, bytes]]) -> int:
    """One call of ``cp_audit_reencode``, the batch passed through COPY into a temporary table:
    the statement stays short, so that its server-log line does too."""
    # COPY's text format: tab-separated, a backslash doubled, so each bytea reads as \x<hex>.
    rows = "".join(f"{i}\t\\\\x{salt.hex()}\t\\\\x{digest.hex()}\n" for i, salt, digest in batch)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS cp_audit_reencode_batch "
            "(id bigint PRIMARY KEY, salt bytea NOT NULL, digest bytea NOT NULL) ON COMMIT DROP"
        )
        cursor.execute("TRUNCATE cp_audit_reencode_batch")
        cursor.copy_expert("COPY cp_audit_reencode_batch FROM STDIN", io.StringIO(rows))
        cursor.execute("SELECT cp_audit_reencode(%s)", [sealer_response(cursor, key)])
        return cursor.fetchone()[0]
