"""Each row's decision, read from the tables the import wrote, scored against the truth.

Verdicts: **correct** (linked to the child it is, or created when it is new), **wrong**
(linked to another child, or linked at all when it is new), **duplicate** (a new child
created for a child already held), **review** (held in the queue, nothing applied) and
**missing** (no link and no open review: the import did not decide it).

Links are scored as pairs (row -> held child): a true positive is a correct link; a false
positive is any wrong link; a false negative is a row of a held child that ended up wrong
or duplicated. A review is neither: it is reported as its share of the rows instead (the
goal is below 2 %), so a linker cannot buy precision by sending everything to review
without that showing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from .generate import Row

VERDICTS = ("correct", "wrong", "duplicate", "review", "missing")

LINKS_SQL = """
SELECT l.source_record_id, l.method, c.public_id, c.shielded
FROM directory_feedlink l JOIN directory_child c ON c.id = l.child_id
WHERE l.source = %s
"""
REVIEWS_SQL = """
SELECT r.source_record_id, r.reason, r.candidates
FROM directory_feedreview r JOIN directory_feedbatch b ON b.id = r.batch_id
WHERE b.source = %s AND r.status = 'open'
"""


@dataclass(frozen=True)
class Decision:
    """``link`` (to ``child``), ``new`` (``child`` is the child created), ``review``, or
    ``missing``."""

    action: str
    child: str = ""
    child_shielded: bool = False
    reason: str = ""
    candidates: tuple[str, ...] = ()


def decisions_read(connection, source: str) -> dict[str, Decision]:
    decided: dict[str, Decision] = {}
    with connection.cursor() as cursor:
        cursor.execute(LINKS_SQL, [source])
        for record, method, public_id, shielded in cursor.fetchall():
            action = "new" if method == "created" else "link"
            decided[record] = Decision(action, public_id, shielded)
        cursor.execute(REVIEWS_SQL, [source])
        for record, reason, candidates in cursor.fetchall():
            ids = tuple(c.get("child", "") for c in candidates or [])
            decided[record] = Decision("review", reason=reason, candidates=ids)
    return decided


def yardstick_decisions(linked: dict[str, str]) -> dict[str, Decision]:
    return {r: Decision("link", c) if c else Decision("new") for r, c in linked.items()}


def verdict(row: Row, decision: Decision | None) -> str:
    if decision is None or decision.action == "missing":
        return "missing"
    if decision.action == "review":
        return "review"
    if decision.action == "new":
        return "duplicate" if row.truth else "correct"
    return "correct" if decision.child == row.truth else "wrong"


@dataclass
class Scores:
    n: int
    verdicts: Counter
    precision: float
    recall: float
    f1: float
    review_share: float


def scores(rows: list[Row], decided: dict[str, Decision]) -> Scores:
    counts = Counter(verdict(row, decided.get(row.values["source_record_id"])) for row in rows)
    tp = fp = fn = 0
    for row in rows:
        found = verdict(row, decided.get(row.values["source_record_id"]))
        tp += found == "correct" and bool(row.truth)
        fp += found == "wrong"
        fn += bool(row.truth) and found in ("wrong", "duplicate", "missing")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(len(rows), counts, precision, recall, f1, counts["review"] / max(1, len(rows)))


def by_kind(rows: list[Row]) -> dict[str, list[Row]]:
    kinds: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        kinds[row.kind].append(row)
    return dict(sorted(kinds.items()))


def shielded_exposures(rows: list[Row], decided: dict[str, Decision]) -> dict[str, int]:
    """The 2009 failure and its neighbour: a shielded child's row created as a new child
    that is not shielded (a visible duplicate), or linked to another child (whose visible
    record then carries where the shielded child lives)."""
    duplicates = linked_elsewhere = 0
    for row in rows:
        if not row.truth_shielded:
            continue
        decision = decided.get(row.values["source_record_id"])
        if decision and decision.action == "new" and not decision.child_shielded:
            duplicates += 1
        if decision and decision.action == "link" and decision.child != row.truth:
            linked_elsewhere += 1
    return {"unshielded duplicates": duplicates, "linked to another child": linked_elsewhere}
