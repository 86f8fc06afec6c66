"""Reading a feed file: the bytes' fingerprint, the header, every row checked, rows grouped
by the source's record.

A source may send several rows for one record (one per service or practitioner working with
the child); they must agree on who the child is, and are applied together, so that a
record's fingerprint (``record_hash``) does not depend on which of its rows came last.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date

from directory.models import Organisation

from .schema import COLUMNS, SCHEMAS, FeedRow, RowError, header_errors, row_check

# The details that say who the child is: rows of one record must agree on them.
IDENTITY = (
    "family_name", "given_name", "other_names", "former_family_name", "date_of_birth", "sex",
    "address_line_1", "address_line_2", "town", "postcode",
)  # fmt: skip


@dataclass
class FeedRecord:
    """All rows of one source record: the child's details once, and each involvement."""

    source_record_id: str
    rows: list[FeedRow]

    @property
    def first(self) -> FeedRow:
        return self.rows[0]

    @property
    def record_hash(self) -> str:
        """SHA-256 of the record's rows in a fixed order: re-sending it changes nothing."""
        lines = sorted("\x1f".join(row.values[c] for c in COLUMNS) for row in self.rows)
        return hashlib.sha256("\x1e".join(lines).encode()).hexdigest()


@dataclass
class FeedFile:
    """A whole file read: its fingerprint, its records, and every problem found."""

    sha256: str
    rows: int = 0
    records: list[FeedRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def feed_read(*, data: bytes, source: str, today: date) -> FeedFile:
    """Check every row of ``data`` (CSV, UTF-8, a spreadsheet's byte-order mark allowed)."""
    result = FeedFile(sha256=hashlib.sha256(data).hexdigest())
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        result.errors.append(RowError(1, "(file)", f"Not UTF-8 text (byte {error.start})"))
        return result
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        result.errors.append(RowError(1, "(file)", "The file is empty"))
        return result
    result.errors += header_errors(header)
    if result.errors:
        return result
    names = [name.strip().lower() for name in header]
    schema = SCHEMAS[source]
    organisations = _organisations()
    by_record: dict[str, FeedRecord] = {}
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        result.rows += 1
        if len(cells) != len(names):
            result.errors.append(
                RowError(number, "(row)", f"Has {len(cells)} values; the header has {len(names)}")
            )
            continue
        row, errors = row_check(
            number=number,
            raw=dict(zip(names, cells, strict=True)),
            schema=schema,
            organisations=organisations,
            today=today,
        )
        result.errors += errors
        if row is not None:
            _group(by_record, row, result.errors)
    if result.rows == 0 and not result.errors:
        result.errors.append(RowError(2, "(file)", "The file has a header and no rows"))
    result.records = list(by_record.values())
    return result


def _group(by_record: dict[str, FeedRecord], row: FeedRow, errors: list[RowError]) -> None:
    record = by_record.get(row["source_record_id"])
    if record is None:
        by_record[row["source_record_id"]] = FeedRecord(row["source_record_id"], [row])
        return
    differing = [c for c in IDENTITY if row.values[c] != record.first.values[c]]
    for column in differing:
        errors.append(
            RowError(
                row.number,
                column,
                f"Differs from row {record.first.number}, which has the same source_record_id",
            )
        )
    if not differing:
        record.rows.append(row)


def _organisations() -> dict[str, tuple[int, str, str]]:
    return {
        code: (pk, kind, la)
        for code, pk, kind, la in Organisation.objects.values_list(
            "code", "pk", "kind", "local_authority_id"
        )
    }


def record_from_stored(*, stored: dict, source_record_id: str, source: str, today) -> FeedRecord:
    """A held record (``FeedReview.record``) read back as when it arrived, checked again:
    an organisation closed since, say, is caught here rather than written half-way."""
    schema = SCHEMAS[source]
    organisations = _organisations()
    rows = []
    for raw in stored["rows"]:
        row, errors = row_check(
            number=raw["number"], raw=raw, schema=schema, organisations=organisations, today=today
        )
        if errors:
            raise ValueError("; ".join(f"{e.field}: {e.message}" for e in errors))
        rows.append(row)
    return FeedRecord(source_record_id, rows)
