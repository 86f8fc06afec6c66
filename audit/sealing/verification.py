"""Verification: recompute the whole log and check it against its signed heads and witness.

Rule (tamper evidence): nobody, a database superuser included, can change, delete or reorder
a sealed event, or rewrite or drop a head, without this noticing. For each head, oldest first:

1. its signature, with the public key (the key is outside the database);
2. its chain: it names the previous head's size and root, and covers later event ids;
3. its stored leaves fold, onto the previous head's frontier, into its signed root and its
   stored frontier (so the frontier and stored leaves are as signed: consistency with the
   previous head follows, since the new tree is the old frontier extended);
4. the events in its id range, read again in id order, match its stored ids and leaves one by
   one: this names the first event changed, removed or slipped in. Each row is encoded by its
   own leaf version; a version 2 row's criteria and reason, which its leaf seals only through
   a salted digest, must still hash to that digest, or be forgotten (empty, salt deleted).

Epochs (``audit.sealing.reroot``): heads are checked epoch by epoch, each epoch's chain starting
from the empty tree. Only the current (newest) epoch is checked against the events (step 4):
an earlier epoch sealed events in an encoding since replaced, whose personal data may since
have been forgotten, so its heads are checked by signature, chain and stored leaves only. Each
later epoch must be joined to the one before by a transition head: its signature, its old side
the old epoch's last head, its new side a head of the new epoch (same size, root and cut-over).

Then the admin change history (``admin_history``): each django-auditlog entry must still
hash to the digest its sealed ``admin_change`` event carries.

Then the witness: every head it holds must be in the database, byte for byte, and the database
may not lack a head older than the witness's newest. That catches a tail cut off, or the whole
database rolled back to an earlier state, heads and all. The same for transition heads, and
each one's mapping file must be the one it signed and fold into both roots it names.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.db import connection

from ..admin_history import admin_history_problems
from ..models import TransitionHead, TreeHead
from .canonical import event_bytes, personal_data_problem
from .epochs import head_epochs, head_of, heads_of, signed_transition_of
from .heads import head_name, signature_problem
from .keys import known_public_keys
from .leaves import event_rows, unpack_hashes, unpack_ids
from .merkle import CompactTree, leaf_hash
from .sealer import signed_head_of
from .transition import mapping_problems, transition_problems
from .verify_head import chain_problem
from .witness import Witness, witness_from_settings

MAX_PROBLEMS = 100


@dataclass(frozen=True)
class Problem:
    """One thing wrong: ``subject`` names an event id, a head or a transition head."""

    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"


@dataclass
class VerifyReport:
    heads: int = 0
    events: int = 0
    unsealed_events: int = 0
    admin_history_entries_unsealed: int = 0
    witnessed_heads: int = 0
    unwitnessed_heads: int = 0
    # The epoch checked in full, and how many transition heads lead up to it.
    epoch: int = 1
    transitions: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, subject: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(subject, message))


def audit_verify(
    *, public_keys: dict | None = None, witness: Witness | None = None
) -> VerifyReport:
    """Check every head, every sealed event of the current epoch, the transition heads and the
    witness; see the module docstring."""
    started = time.perf_counter()
    keys = known_public_keys() if public_keys is None else public_keys
    witness = witness or witness_from_settings()
    report = VerifyReport()
    epochs = head_epochs() or [1]
    report.epoch = epochs[-1]
    last_of: dict[int, TreeHead | None] = {}
    held: set[tuple[int, int]] = set()
    with connection.cursor() as cursor:
        for epoch in epochs:
            previous: TreeHead | None = None
            tree = CompactTree()
            for head in heads_of(epoch):
                in_full = epoch == report.epoch
                tree = _head_check(report, cursor, head, previous, tree, keys, in_full=in_full)
                held.add((epoch, head.tree_size))
                previous = head
            last_of[epoch] = previous
        through = last_of[report.epoch].sealed_through_id if last_of[report.epoch] else 0
        cursor.execute("SELECT count(*) FROM audit_accessevent WHERE id > %s", [through])
        report.unsealed_events = cursor.fetchone()[0]
    _transitions_check(report, epochs, last_of, keys)
    problems, report.admin_history_entries_unsealed = admin_history_problems(
        sealed_through_id=through
    )
    for subject, message in problems:
        report.add(subject, message)
    _witness_check(report, witness, held, keys)
    report.seconds = time.perf_counter() - started
    return report


def _head_check(
    report, cursor, head, previous, tree: CompactTree, keys, *, in_full: bool
) -> CompactTree:
    """Check one head, and its events when ``in_full``; return the tree as of this head
    (built from its stored leaves, so one bad event is reported once, not again at every
    later head)."""
    report.heads += 1
    subject = head_name(head.epoch, head.tree_size)
    signed = signed_head_of(head)
    if reason := signature_problem(signed, keys):
        report.add(subject, reason)
    if reason := chain_problem(signed_head_of(previous).head if previous else None, signed.head):
        report.add(subject, reason)
    ids = unpack_ids(bytes(head.event_ids))
    leaves = unpack_hashes(bytes(head.leaf_hashes))
    extended = tree.copy()
    extended.extend(leaves)
    if len(ids) != len(leaves) or extended.size != head.tree_size:
        report.add(subject, "its stored events do not add up to its tree size")
    elif extended.root() != bytes(head.root_hash):
        report.add(subject, "its stored leaves do not hash to its signed root")
    elif extended.to_bytes() != bytes(head.frontier):
        report.add(subject, "its frontier does not extend the previous head's tree")
    if in_full:
        after = previous.sealed_through_id if previous else 0
        expected = dict(zip(ids, leaves, strict=False))
        _events_check(report, cursor, after, head.sealed_through_id, expected)
    return extended if extended.root() == bytes(head.root_hash) else _resume_from(head, extended)


def _resume_from(head: TreeHead, fallback: CompactTree) -> CompactTree:
    """After a bad head, carry on from its stored frontier when that matches its signed root,
    so one bad head is reported once rather than again at every later head."""
    try:
        stored = CompactTree.from_bytes(head.tree_size, bytes(head.frontier))
    except ValueError:
        return fallback
    return stored if stored.root() == bytes(head.root_hash) else fallback


def _events_check(report, cursor, after: int, upto: int, expected: dict[int, bytes]) -> None:
    """Walk the rows in ``after < id <= upto`` against the ids and leaves sealed for them;
    report what is wrong in id order, so the first line names the first bad event."""
    found: list[tuple[int, str]] = []
    seen = 0
    for row in event_rows(cursor, after=after, upto=upto):
        event_id = row[0]
        report.events += 1
        sealed = expected.get(event_id)
        if sealed is None:
            found.append((event_id, "is inside a sealed range but was never sealed"))
            continue
        seen += 1
        if _leaf_of(row) != sealed:
            found.append((event_id, "has changed since it was sealed"))
        elif problem := personal_data_problem(row):
            found.append((event_id, problem))
    if seen < len(expected):
        present = _present_ids(cursor, after, upto)
        found += [(i, "was sealed but is missing") for i in set(expected) - present]
    for event_id, message in sorted(found):
        report.add(f"event {event_id}", message)


def _leaf_of(row) -> bytes | None:
    """None for a row whose leaf version no encoding knows: it cannot be what was sealed."""
    try:
        return leaf_hash(event_bytes(row))
    except ValueError:
        return None


def _present_ids(cursor, after: int, upto: int) -> set[int]:
    cursor.execute("SELECT id FROM audit_accessevent WHERE id > %s AND id <= %s", [after, upto])
    return {event_id for (event_id,) in cursor.fetchall()}


def _transitions_check(report, epochs: list[int], last_of: dict, keys) -> None:
    """Every epoch after the first is joined to the one before by a signed transition head
    naming that epoch's last head and one of its own."""
    rows = {row.to_epoch: row for row in TransitionHead.objects.order_by("to_epoch")}
    for epoch in epochs[1:]:
        if epoch not in rows:
            report.add(f"epoch {epoch}", "has no transition head leading into it")
    for epoch, row in rows.items():
        report.transitions += 1
        last_old = last_of.get(epoch - 1)
        joined = TreeHead.objects.filter(epoch=epoch, tree_size=row.to_tree_size).first()
        for reason in transition_problems(
            signed_transition_of(row),
            keys,
            last_old=head_of(last_old) if last_old else None,
            joined_new=head_of(joined) if joined else None,
        ):
            report.add(f"transition head into epoch {epoch}", reason)


def _witness_check(report, witness: Witness, held: set[tuple[int, int]], keys) -> None:
    """Every witnessed head must be in the database as witnessed; none older may be lost.
    Heads are ordered by epoch, then size."""
    witnessed = witness.heads()
    report.witnessed_heads = len(witnessed)
    by_key = {}
    for signed in witnessed:
        key = (signed.head.epoch, signed.head.tree_size)
        if reason := signature_problem(signed, keys):
            report.add(head_name(*key), f"the witness's copy: {reason}")
        by_key[key] = signed
    _witness_transitions_check(report, witness, newest=max(by_key, default=(0, 0)))
    if not by_key:
        report.unwitnessed_heads = len(held)
        return
    rows = {}
    for epoch in {epoch for epoch, _ in by_key}:
        sizes = [size for e, size in by_key if e == epoch]
        heads = TreeHead.objects.defer("event_ids", "leaf_hashes", "frontier")
        for row in heads.filter(epoch=epoch, tree_size__in=sizes):
            rows[(epoch, row.tree_size)] = row
    for key, signed in sorted(by_key.items()):
        row = rows.get(key)
        if row is None:
            report.add(
                head_name(*key),
                "is held by the witness but missing from the database "
                "(the log was cut short or rolled back)",
            )
        elif signed_head_of(row).to_json() != signed.to_json():
            report.add(head_name(*key), "differs from the witness's copy")
    newest = max(by_key)
    for key in sorted(k for k in held if k < newest and k not in by_key):
        report.add(head_name(*key), "is missing from the witness")
    report.unwitnessed_heads = sum(1 for k in held if k > newest)


def _witness_transitions_check(report, witness: Witness, *, newest: tuple[int, int]) -> None:
    """Every witnessed transition head must be in the database as witnessed, with the mapping
    file it signed; one the database holds must be witnessed once a later head is."""
    rows = {row.to_epoch: row for row in TransitionHead.objects.order_by("to_epoch")}
    witnessed = {signed.transition.to_epoch: signed for signed in witness.transitions()}
    for epoch, signed in witnessed.items():
        subject = f"transition head into epoch {epoch}"
        row = rows.get(epoch)
        if row is None:
            report.add(subject, "is held by the witness but missing from the database")
        elif signed_transition_of(row).to_json() != signed.to_json():
            report.add(subject, "differs from the witness's copy")
        lines = witness.mapping(epoch)
        if lines is None:
            report.add(subject, "its mapping file is missing from the witness")
        else:
            for reason in mapping_problems(lines, signed.transition):
                report.add(subject, reason)
    for epoch in rows:
        if epoch not in witnessed and newest[0] >= epoch:
            report.add(f"transition head into epoch {epoch}", "is missing from the witness")
