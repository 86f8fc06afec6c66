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

Then the admin change history (``admin_history``): each django-auditlog entry must still
hash to the digest its sealed ``admin_change`` event carries.

Then the witness: every head it holds must be in the database, byte for byte, and the database
may not lack a head older than the witness's newest. That catches a tail cut off, or the whole
database rolled back to an earlier state, heads and all.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.db import connection

from .admin_history import admin_history_problems
from .canonical import event_bytes, personal_data_problem
from .heads import signature_problem
from .keys import known_public_keys
from .leaves import event_rows, unpack_hashes, unpack_ids
from .merkle import CompactTree, leaf_hash
from .models import TreeHead
from .services import signed_head_of
from .verify_head import chain_problem
from .witness import Witness, witness_from_settings

MAX_PROBLEMS = 100


@dataclass(frozen=True)
class Problem:
    """One thing wrong: ``subject`` names an event id or a head's tree size."""

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
    """Check every head, every sealed event and the witness; see the module docstring."""
    started = time.perf_counter()
    keys = known_public_keys() if public_keys is None else public_keys
    witness = witness or witness_from_settings()
    report = VerifyReport()
    sizes: set[int] = set()
    previous: TreeHead | None = None
    tree = CompactTree()
    with connection.cursor() as cursor:
        for head in _heads():
            tree = _head_check(report, cursor, head, previous, tree, keys)
            sizes.add(head.tree_size)
            previous = head
        through = previous.sealed_through_id if previous else 0
        cursor.execute("SELECT count(*) FROM audit_accessevent WHERE id > %s", [through])
        report.unsealed_events = cursor.fetchone()[0]
    problems, report.admin_history_entries_unsealed = admin_history_problems(
        sealed_through_id=through
    )
    for subject, message in problems:
        report.add(subject, message)
    _witness_check(report, witness, sizes, keys)
    report.seconds = time.perf_counter() - started
    return report


def _heads():
    """Heads oldest first, a few at a time (each carries its batch's ids and leaves)."""
    last = -1
    while True:
        page = list(TreeHead.objects.filter(tree_size__gt=last).order_by("tree_size")[:10])
        yield from page
        if len(page) < 10:
            return
        last = page[-1].tree_size


def _head_check(report, cursor, head, previous, tree: CompactTree, keys) -> CompactTree:
    """Check one head and its events; return the tree as of this head (built from its stored
    leaves, so one bad event is reported once, not again at every later head)."""
    report.heads += 1
    subject = f"head at tree size {head.tree_size}"
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


def _witness_check(report, witness: Witness, sizes: set[int], keys) -> None:
    """Every witnessed head must be in the database as witnessed; none older may be lost."""
    witnessed = witness.heads()
    report.witnessed_heads = len(witnessed)
    by_size = {}
    for signed in witnessed:
        size = signed.head.tree_size
        subject = f"head at tree size {size}"
        if reason := signature_problem(signed, keys):
            report.add(subject, f"the witness's copy: {reason}")
        by_size[size] = signed
    if not by_size:
        report.unwitnessed_heads = len(sizes)
        return
    rows = {
        row.tree_size: row
        for row in TreeHead.objects.defer("event_ids", "leaf_hashes", "frontier").filter(
            tree_size__in=list(by_size)
        )
    }
    for size, signed in sorted(by_size.items()):
        row = rows.get(size)
        if row is None:
            report.add(
                f"head at tree size {size}",
                "is held by the witness but missing from the database "
                "(the log was cut short or rolled back)",
            )
        elif signed_head_of(row).to_json() != signed.to_json():
            report.add(f"head at tree size {size}", "differs from the witness's copy")
    newest = max(by_size)
    for size in sorted(s for s in sizes if s < newest and s not in by_size):
        report.add(f"head at tree size {size}", "is missing from the witness")
    report.unwitnessed_heads = sum(1 for s in sizes if s > newest)
