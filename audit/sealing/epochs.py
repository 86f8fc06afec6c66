"""The log's epochs as the database holds them: heads epoch by epoch, transition heads, and
the mapping file a transition commits to.

Rule (tamper evidence across a re-rooting, ``audit.sealing.reroot``): the sealer and the
verifier must agree on which heads form which tree. Heads are named by (epoch, tree size); the
newest epoch is the one being sealed and checked in full, earlier ones by their signed heads
only.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection

from ..models import TransitionHead, TreeHead
from .heads import Head
from .leaves import unpack_hashes, unpack_ids
from .transition import MAPPING_HEADER, SignedTransition, Transition, mapping_line

PAGE = 10


def head_epochs() -> list[int]:
    """Every epoch that has a head, oldest first."""
    return list(TreeHead.objects.order_by("epoch").values_list("epoch", flat=True).distinct())


def heads_of(epoch: int) -> Iterator[TreeHead]:
    """One epoch's heads, oldest first, a few at a time (each carries its batch's ids and
    leaves)."""
    last = -1
    while True:
        page = list(
            TreeHead.objects.filter(epoch=epoch, tree_size__gt=last).order_by("tree_size")[:PAGE]
        )
        yield from page
        if len(page) < PAGE:
            return
        last = page[-1].tree_size


def head_of(row: TreeHead) -> Head:
    return Head(
        epoch=row.epoch,
        tree_size=row.tree_size,
        root_hash=bytes(row.root_hash),
        previous_tree_size=row.previous_tree_size,
        previous_root_hash=bytes(row.previous_root_hash),
        first_event_id=row.first_event_id,
        last_event_id=row.last_event_id,
        sealed_through_id=row.sealed_through_id,
        sealed_at=row.sealed_at,
        key_id=row.key_id,
    )


def signed_transition_of(row: TransitionHead) -> SignedTransition:
    transition = Transition(
        to_epoch=row.to_epoch,
        from_tree_size=row.from_tree_size,
        from_root_hash=bytes(row.from_root_hash),
        to_tree_size=row.to_tree_size,
        to_root_hash=bytes(row.to_root_hash),
        sealed_through_id=row.sealed_through_id,
        reencoded_events=row.reencoded_events,
        mapping_sha256=bytes(row.mapping_sha256),
        signed_at=row.signed_at,
        key_id=row.key_id,
    )
    return SignedTransition(transition, bytes(row.signature))


def mapping_lines(*, to_epoch: int, to_tree_size: int, sealed_through_id: int) -> Iterator[bytes]:
    """The mapping file of the transition into ``to_epoch``, rebuilt from the database: each
    event's leaf in the old epoch's heads, its leaf in the new epoch's heads up to
    ``to_tree_size``, and its personal digest (which forgetting keeps). Both epochs seal the
    same events in the same order, so the three walks line up; anything else raises."""
    yield MAPPING_HEADER
    old = _sealed_leaves(to_epoch - 1, upto_size=None)
    new = _sealed_leaves(to_epoch, upto_size=to_tree_size)
    digests = _digests(upto=sealed_through_id)
    for (event_id, old_leaf), (new_id, new_leaf) in zip(old, new, strict=True):
        digest_id, digest = next(digests, (None, None))
        if not event_id == new_id == digest_id or digest is None:
            raise ValueError(f"epochs {to_epoch - 1} and {to_epoch} differ at event {event_id}")
        yield mapping_line(event_id, old_leaf, new_leaf, bytes(digest))


def _sealed_leaves(epoch: int, *, upto_size: int | None) -> Iterator[tuple[int, bytes]]:
    for row in heads_of(epoch):
        if upto_size is not None and row.tree_size > upto_size:
            return
        yield from zip(
            unpack_ids(bytes(row.event_ids)), unpack_hashes(bytes(row.leaf_hashes)), strict=True
        )


def _digests(*, upto: int, chunk: int = 5000) -> Iterator[tuple[int, bytes | None]]:
    """(event id, personal digest) in id order, keyset chunks."""
    after = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT id, personal_digest FROM audit_accessevent WHERE id > %s AND id <= %s "
                "ORDER BY id LIMIT %s",
                [after, upto, chunk],
            )
            rows = cursor.fetchall()
            yield from rows
            if len(rows) < chunk:
                return
            after = rows[-1][0]
