"""``feed_import``: one feed file checked, linked and applied whole, or not at all.

Rule (feeds): every row is checked before anything is written; a file with any bad row
changes nothing and comes back with its error report. A file applied once is never applied
again (known by its SHA-256); a record sent again unchanged (its ``record_hash``) is skipped.
Each record already linked follows its link; the rest are placed by the matcher
(``linking``): linked, created, or held for a data manager's review without being applied.
One audit event records who imported what and what it did.
"""

from __future__ import annotations

import csv
import gc
import io
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from access.models import User
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record
from directory.models import Child, FeedBatch, FeedLink, FeedReview
from directory.normalise import name_key

from .linking import FAMILY_DIFFERS, Placement
from .placing import exact_find, placements_find
from .reader import FeedRecord, feed_read, record_from_stored
from .records import RecordWriter
from .schema import RowError

Progress = Callable[[int, int], None]
# Told when each stage of an import ends, with what it did ("checked 500,000 rows"): the
# command line prints it with the time taken, so a national file's slow stage is visible.
Stage = Callable[[str], None]
HELD = (FeedReview.Status.OPEN, FeedReview.Status.NOT_SURE)


@dataclass
class FeedImportResult:
    """What happened: ``applied``, ``already`` (this file was applied before: nothing
    changed) or ``rejected`` (nothing changed; ``errors`` say why)."""

    status: str
    batch: FeedBatch | None = None
    errors: list[RowError] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def feed_import(
    *,
    data: bytes,
    filename: str,
    source: str,
    actor: Actor,
    user: User | None = None,
    progress: Progress | None = None,
    today: date | None = None,
    keep_rejected: bool = False,
    stage: Stage | None = None,
) -> FeedImportResult:
    """Check, link and apply one feed file (see the module's rules).

    ``keep_rejected`` stores a rejected file's error report as a batch (the upload page
    offers it for download); the command line prints it instead.
    """
    today = today or timezone.localdate()
    stage = stage or (lambda what: None)
    read = feed_read(data=data, source=source, today=today)
    stage(f"read and checked {read.rows:,} rows ({len(read.records):,} records)")
    if read.errors:
        batch = None
        if keep_rejected:
            batch = FeedBatch.objects.create(
                source=source, sha256=read.sha256, filename=filename, imported_by=user,
                status=FeedBatch.Status.REJECTED, rows=read.rows,
                errors=[[e.row, e.field, e.message] for e in read.errors],
            )  # fmt: skip
        return FeedImportResult("rejected", batch=batch, errors=read.errors)
    already = FeedBatch.objects.filter(
        source=source, sha256=read.sha256, status=FeedBatch.Status.APPLIED
    ).first()
    if already:
        return FeedImportResult("already", batch=already)
    plan = _plan(records=read.records, source=source, progress=progress, stage=stage)
    with transaction.atomic(), _no_cyclic_collection():
        batch = FeedBatch.objects.create(
            source=source, sha256=read.sha256, filename=filename, imported_by=user,
            status=FeedBatch.Status.APPLIED, rows=read.rows,
        )  # fmt: skip
        counts = _records_apply(records=read.records, batch=batch, plan=plan, progress=progress)
        stage("records written: " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))
        batch.counts = dict(counts)
        batch.save(update_fields=["counts"])
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.FEED_IMPORTED,
            outcome=AccessEvent.Outcome.OK,
            criteria={"source": source, "batch": batch.pk, "rows": read.rows, **counts},
        )
    stage(f"committed as batch {batch.pk}")
    return FeedImportResult("applied", batch=batch, counts=dict(counts))


@contextmanager
def _no_cyclic_collection():
    """Python's cycle collector off while a batch is applied, one collection after.

    Why: applying a national file holds a million model instances at once (the children,
    their carers and involvements), and each collection of the oldest generation walks
    all of them; py-spy put three quarters of the apply stage in ``Model.__init__``, where
    the collector's time is charged. Without it the stage took 172 s instead of 271 s for
    500,000 rows at 12M (session 10). Nothing applied is freed before the batch ends
    anyway; reference counting still frees what is dropped."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.collect()


@dataclass
class _Plan:
    """Where each record goes, worked out before the write transaction opens: reads only,
    so the transaction that applies a national file stays minutes, not the placing's hour,
    and holds no locks while the matcher reads."""

    links: dict[str, FeedLink]
    held: dict[str, FeedReview]
    exact: dict[str, int]
    placements: dict[str, Placement]
    matched: dict[str, int]


def _plan(*, records: list[FeedRecord], source: str, progress, stage: Stage) -> _Plan:
    # The file's record ids as one array parameter: an IN list of half a million
    # placeholders took 14 s to build and plan (session 10).
    ids = RawSQL("SELECT unnest(%s::text[])", [[r.source_record_id for r in records]])
    links = {
        link.source_record_id: link
        for link in FeedLink.objects.filter(source=source, source_record_id__in=ids)
    }
    held = {
        review.source_record_id: review
        for review in FeedReview.objects.filter(
            batch__source=source, source_record_id__in=ids, status__in=HELD
        )
    }
    placed = links.keys() | held.keys()
    unplaced = [r for r in records if r.source_record_id not in placed]
    stage(f"{len(placed):,} records follow an earlier link or a held review")
    exact = exact_find(unplaced)
    stage(f"{len(exact):,} of {len(unplaced):,} agree exactly with one child")
    total, settled = len(records), len(records) - len(unplaced) + len(exact)
    if progress:
        progress(settled, total)
    residual = [r for r in unplaced if r.source_record_id not in exact]
    placements = placements_find(
        residual, placed=(lambda n: progress(settled + n, total)) if progress else None
    )
    decided = Counter(p.decision for p in placements.values())
    stage(
        f"{len(residual):,} placed by the matcher: "
        + ", ".join(f"{decision} {n:,}" for decision, n in sorted(decided.items()))
    )
    matched = _child_ids([p.child for p in placements.values() if p.decision == "link"])
    return _Plan(links, held, exact, placements, matched)


def _records_apply(*, records: list[FeedRecord], batch: FeedBatch, plan: _Plan, progress):
    """Apply the plan: follow links, link, create or hold; write once, in bulk.

    New children are written at the end, so a record placed "new" is first compared with
    the new children of the same batch (by family name, given name and date of birth): a
    source that sends one child under two record ids gets one child.
    """
    writer = RecordWriter(batch)
    changed = [link.child_id for link in plan.links.values()]
    writer.load([*changed, *plan.exact.values(), *plan.matched.values()])
    placer = _Placer(
        batch=batch, writer=writer, exact=plan.exact, placements=plan.placements,
        matched=plan.matched,
    )  # fmt: skip
    counts: Counter = Counter({"records": len(records)})
    for record in records:
        link = plan.links.get(record.source_record_id)
        review = plan.held.get(record.source_record_id)
        if link is not None:
            counts[_link_follow(record, link, writer)] += 1
        elif review is not None:
            review.record, review.row_hash, review.batch = (
                _stored(record),
                record.record_hash,
                batch,
            )
            review.save(update_fields=["record", "row_hash", "batch"])
            counts["held"] += 1
        else:
            counts[placer.place(record)] += 1
    writer.flush()
    if progress:
        progress(len(records), len(records))
    return counts


def _child_ids(public_ids: list[str]) -> dict[str, int]:
    found = Child.objects.filter(public_id__in=public_ids).values_list("public_id", "pk")
    return dict(found)


def _link_follow(record: FeedRecord, link: FeedLink, writer: RecordWriter) -> str:
    if link.row_hash == record.record_hash:
        return "unchanged"
    writer.update(writer.child(link.child_id), record)
    writer.link(record, writer.child(link.child_id), link.method)
    return "updated"


class _Placer:
    """Places records no link covers: exact agreements, then the matcher."""

    def __init__(self, *, batch, writer: RecordWriter, exact, placements, matched) -> None:
        self.batch, self.writer, self.exact, self.placements = batch, writer, exact, placements
        self.matched = matched
        self.new: dict[tuple, Child] = {}

    def place(self, record: FeedRecord) -> str:
        child_id = self.exact.get(record.source_record_id)
        if child_id is not None:
            return self._link(record, self.writer.child(child_id))
        first = record.first
        placement = self.placements[record.source_record_id]
        if placement.decision == "review":
            _review_hold(record=record, batch=self.batch, placement=placement)
            return "held"
        if placement.decision == "link":
            child_id = self.matched[placement.child]
            renamed = placement.candidates[0].candidate.levels[0] == FAMILY_DIFFERS
            return self._link(record, self.writer.child(child_id), alias=renamed)
        key = (name_key(first["family_name"]), name_key(first["given_name"]), first.date_of_birth)
        if key in self.new:
            return self._link(record, self.new[key])
        self.new[key] = child = self.writer.create(record)
        self.writer.link(record, child, FeedLink.Method.CREATED)
        return "created"

    def _link(self, record: FeedRecord, child: Child, alias: bool = False) -> str:
        self.writer.update(child, record, identity=False, alias=alias)
        self.writer.link(record, child, FeedLink.Method.MATCHED)
        return "linked"


def _review_hold(*, record: FeedRecord, batch: FeedBatch, placement: Placement) -> None:
    """Hold the record for the data managers of the authority the likeliest child lives in
    (of the shielded one, when one could be it)."""
    candidates = placement.candidates
    chosen = next((w for w in candidates if w.shielded), candidates[0]) if candidates else None
    local_authority = (
        Child.objects.values_list("local_authority_id", flat=True).get(public_id=chosen.public_id)
        if chosen
        else record.first.local_authority_id
    )
    FeedReview.objects.create(
        batch=batch,
        row_number=record.first.number,
        source_record_id=record.source_record_id,
        record=_stored(record),
        row_hash=record.record_hash,
        local_authority_id=local_authority,
        reason=FeedReview.Reason.SHIELDED if placement.shielded else FeedReview.Reason.UNCERTAIN,
        candidates=[
            {
                "child": w.public_id,
                "weight": round(w.weight, 2),
                "best": round(placement.best, 2),
                "agreed": list(w.candidate.evidence.agreed),
                "differs": list(w.candidate.evidence.differs),
            }
            for w in candidates
        ],
    )


def _stored(record: FeedRecord) -> dict:
    """The record as the review queue keeps it: each row's values (the role as applied,
    the sending source's default for an empty one) and line number."""
    return {
        "rows": [
            {"number": row.number, **row.values, "service_role": row.role} for row in record.rows
        ]
    }


def error_report_csv(errors: list[RowError]) -> str:
    """The error report a data manager downloads: one line per problem."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "field", "problem"])
    writer.writerows([e.row, e.field, e.message] for e in errors)
    return out.getvalue()


def review_settle(*, review: FeedReview, child: Child | None, decided_by, today: date) -> Child:
    """Apply a held record as a data manager decided: to ``child``, or (None) as a new
    child; the source's record then follows that link like any other."""
    record = record_from_stored(
        stored=review.record,
        source_record_id=review.source_record_id,
        source=review.batch.source,
        today=today,
    )
    writer = RecordWriter(review.batch)
    if child is None:
        child = writer.create(record)
        review.status = FeedReview.Status.CREATED
    else:
        child = writer.child(child.pk)
        writer.update(child, record)
        review.status = FeedReview.Status.LINKED
    writer.link(record, child, FeedLink.Method.REVIEWED)
    writer.flush()
    review.child, review.decided_by, review.decided_at = child, decided_by, timezone.now()
    review.save(update_fields=["status", "child", "decided_by", "decided_at"])
    return child
