"""Sealing: turn the events committed since the last seal into a signed tree head.

Rule (tamper evidence): once sealed, no event can be changed, removed, reordered or slipped
in without ``verify_audit`` noticing, because the events' leaf hashes fold into a root that
is signed with a key outside the database and copied to a witness outside the database.

One round (``audit_seal``): take the sealer's lock (two sealers never interleave: the second
returns BUSY; only a process holding the signing key can take it, ``seal_lock.py``), read the
safe watermark (``watermark.py``), wait briefly for the transactions that may still hold ids
below it, then hash the new events in id order onto the previous head's frontier and insert
the new signed head; after commit, copy it to the witness. A round with nothing to seal
writes nothing, so sealing is idempotent and cheap when idle. Celery beat runs a round every
few seconds (``audit.tasks``); ``manage.py seal_audit`` loops rounds until everything
committed when it started is sealed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ..models import TransitionHead, TreeHead
from .epochs import head_of, mapping_lines, signed_transition_of
from .heads import Head, SignedHead, head_sign, key_id_for
from .keys import signing_key
from .leaves import event_leaves, pack_ids
from .merkle import EMPTY_ROOT, CompactTree
from .seal_lock import HEAD_COLUMNS, head_insert, seal_lock_take
from .watermark import blockers_wait, candidate_take, sequence_value
from .witness import Witness, witness_from_settings

# Events per head at most, so one head row (8 + 32 bytes per event) stays a few megabytes.
MAX_BATCH = 100_000

SEALED = "sealed"
NOTHING_NEW = "nothing_new"
WAITING = "waiting"
BUSY = "busy"


@dataclass(frozen=True)
class SealResult:
    status: str
    head: TreeHead | None
    # Every event id up to here is final: sealed in a head, or a gap that never will be.
    safe_through: int


def audit_seal(
    *, wait_seconds: float = 2.0, max_batch: int = MAX_BATCH, witness: Witness | None = None
) -> SealResult:
    """One sealing round; see the module docstring.

    Runs in a transaction of its own: call it outside any other (as the task and the command
    do). The head goes to the witness right after commit; a head witnessed and then rolled
    back with an outer transaction would look, to the verifier, like a forked log.
    """
    key = signing_key()
    witness = witness or witness_from_settings()
    with transaction.atomic(), connection.cursor() as cursor:
        # Nothing the application's role holds can make a round hang: it fails and the next
        # tries again, and a lag that grows is reported (``verify_audit``, ``/healthz``).
        cursor.execute("SET LOCAL lock_timeout = '10s'")
        if not seal_lock_take(cursor, key):
            return SealResult(BUSY, None, _sealed_through(latest_head()))
        previous = latest_head()
        through = _sealed_through(previous)
        candidate = candidate_take(cursor)
        if candidate.value <= through:
            result = SealResult(NOTHING_NEW, None, through)
        elif not blockers_wait(cursor, candidate, wait_seconds):
            result = SealResult(WAITING, None, through)
        else:
            head = seal_batch(cursor, previous, upto=candidate.value, max_batch=max_batch, key=key)
            if head is None:
                result = SealResult(NOTHING_NEW, None, candidate.value)
            else:
                result = SealResult(SEALED, head, head.sealed_through_id)
    witness_catch_up(witness=witness)
    return result


def audit_seal_all(*, timeout_seconds: float = 60.0, witness: Witness | None = None) -> int:
    """Seal everything committed before this call, waiting for transactions in flight.
    Returns the number of heads written; raises TimeoutError past ``timeout_seconds``."""
    with connection.cursor() as cursor:
        target = sequence_value(cursor)
    deadline = time.monotonic() + timeout_seconds
    written = 0
    while True:
        remaining = deadline - time.monotonic()
        result = audit_seal(wait_seconds=max(0.0, min(remaining, 5.0)), witness=witness)
        written += result.status == SEALED
        if result.safe_through >= target:
            return written
        if remaining <= 0:
            raise TimeoutError(
                f"events up to id {target} could not all be sealed in {timeout_seconds:.0f} s: "
                "a transaction holding an event id has not ended"
            )
        if result.status == BUSY:
            time.sleep(0.2)


def latest_head() -> TreeHead | None:
    """The newest head of the current epoch: the one the next is chained to."""
    return TreeHead.objects.defer("event_ids", "leaf_hashes").newest_first().first()


def _sealed_through(head: TreeHead | None) -> int:
    return head.sealed_through_id if head else 0


def seal_batch(
    cursor, previous: TreeHead | None, *, upto: int, max_batch: int, key, epoch: int | None = None
):
    """Hash events ``previous.sealed_through_id < id <= upto`` (at most ``max_batch``) onto
    the previous frontier and insert the signed head of ``previous``'s epoch; None when the
    range holds no event. Without ``previous``, a new tree: the first head of ``epoch``
    (``audit.sealing.reroot`` starts a new epoch so)."""
    epoch = previous.epoch if previous else (epoch or 1)
    if previous:
        tree = CompactTree.from_bytes(previous.tree_size, bytes(previous.frontier))
    else:
        tree = CompactTree()
    ids: list[int] = []
    leaves: list[bytes] = []
    for event_id, leaf in event_leaves(cursor, after=_sealed_through(previous), upto=upto):
        ids.append(event_id)
        leaves.append(leaf)
        tree.append(leaf)
        if len(ids) >= max_batch:
            upto = event_id
            break
    if not ids:
        return None
    head = Head(
        epoch=epoch,
        tree_size=tree.size,
        root_hash=tree.root(),
        previous_tree_size=previous.tree_size if previous else 0,
        previous_root_hash=bytes(previous.root_hash) if previous else EMPTY_ROOT,
        first_event_id=ids[0],
        last_event_id=ids[-1],
        sealed_through_id=upto,
        sealed_at=timezone.now(),
        key_id=key_id_for(key.public_key()),
    )
    signed = head_sign(head, key)
    fields = {
        "epoch": head.epoch,
        "tree_size": head.tree_size,
        "root_hash": head.root_hash,
        "previous_tree_size": head.previous_tree_size,
        "previous_root_hash": head.previous_root_hash,
        "first_event_id": head.first_event_id,
        "last_event_id": head.last_event_id,
        "sealed_through_id": head.sealed_through_id,
        "sealed_at": head.sealed_at,
        "key_id": head.key_id,
        "signature": signed.signature,
        "frontier": tree.to_bytes(),
        "event_ids": pack_ids(ids),
        "leaf_hashes": b"".join(leaves),
    }
    head_insert(cursor, key, fields)
    return TreeHead.from_db(connection.alias, HEAD_COLUMNS, [fields[n] for n in HEAD_COLUMNS])


def signed_head_of(row: TreeHead) -> SignedHead:
    return SignedHead(head_of(row), bytes(row.signature))


def witness_catch_up(*, witness: Witness) -> int:
    """Copy to the witness every head it lacks, oldest first (a head is in the database
    before it is witnessed, so a failed copy is retried by the next round), then every
    transition head it lacks, with its mapping file. Walks back from the newest head only as
    far as the witness is behind. Raises WitnessConflict when the witness holds a different
    head of the same epoch and size: the database's history has forked from what was
    witnessed (say, restored from a backup), and sealing must stop until someone looks."""
    heads = TreeHead.objects.defer("event_ids", "leaf_hashes").newest_first()
    missing: list[TreeHead] = []
    page = list(heads[:20])
    while page:
        for row in page:
            if witness.holds(signed_head_of(row)):
                page = []
                break
            missing.append(row)
        else:
            last = page[-1]
            older = Q(epoch__lt=last.epoch) | Q(epoch=last.epoch, tree_size__lt=last.tree_size)
            page = list(heads.filter(older)[:200])
    for row in reversed(missing):
        witness.publish(signed_head_of(row))
    for row in TransitionHead.objects.order_by("to_epoch"):
        signed = signed_transition_of(row)
        if not witness.holds_transition(signed):
            lines = mapping_lines(
                to_epoch=row.to_epoch,
                to_tree_size=row.to_tree_size,
                sealed_through_id=row.sealed_through_id,
            )
            witness.publish_transition(signed, lines)
    return len(missing)
