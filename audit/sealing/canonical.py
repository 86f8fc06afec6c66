"""The canonical bytes of one audit event: what a Merkle leaf commits to.

Why a fixed, documented encoding: the sealer and the verifier (and anyone re-checking the log
years later, in another language) must turn the same row into the same bytes, or a clean log
would look tampered with. So the field list is fixed here, every field is included (the id
too: it pins each event to its place, so swapping two rows' contents changes both leaves),
and the form is JSON with sorted keys, no whitespace and ASCII escapes, timestamps in UTC with
microseconds. Adding a column to ``AccessEvent`` does not change old leaves; including it in
the encoding would need a new ``LEAF_VERSION``.

Two versions, chosen by the row's ``leaf_version`` (docs/audit.md has the same, for outside
parties):

- **1** (every event written before migration 0013): the 15 ``EVENT_FIELDS`` and ``"v": 1``.
- **2** (every event written since): the same without ``criteria`` and ``reason``, which are
  personal data, and with ``"personal_digest"``: the lowercase hex of SHA-256(``personal_salt``
  ‖ ``personal_bytes(criteria, reason)``), the salt being 32 random bytes of the event's own,
  and ``"v": 2``. Rule (retention): forgetting an event empties its criteria and reason and
  deletes its salt; its leaf does not change, and without the salt its digest cannot be
  checked against guesses (a date of birth and a postcode are few enough to try them all).
  While the salt is kept, the stored criteria and reason must still hash to the digest
  (``personal_data_problem``), so changing them is detected as before.

Either version, an event made through the API (issue 19) also carries ``"api_client"``: the
connecting system's client id. The key is present only when the column is set, so every
event without one encodes exactly as before (no leaf and no signed head changes), while
adding, changing or removing a connecting system on any event changes its leaf.

No Django here: ``verify_head`` and outside parties use it as it is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

# The version the writer gives new events; sealing and verifying read each row's own.
LEAF_VERSION = 2

# The fields of a version 1 leaf, and the first columns the sealer and verifier select, in
# this order; the JSON itself is key-sorted.
EVENT_FIELDS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_username",
    "actor_role",
    "organisation_id",
    "action",
    "outcome",
    "purpose",
    "criteria",
    "result_ids",
    "child_public_id",
    "reason",
    "ip_address",
    "user_agent",
)

# Fields that version 2 leaves out of the leaf, committing to them through the digest.
PERSONAL_FIELDS = ("criteria", "reason")

# What the sealer and verifier read of each row: the leaf's fields, then how to encode them,
# then the connecting system (None for an event not made through the API).
ROW_FIELDS = (*EVENT_FIELDS, "leaf_version", "personal_salt", "personal_digest", "api_client")
# A row without the last column (as scripts and ``as_version_2`` built it before issue 19).
_ROW_FIELDS_BEFORE_API = len(ROW_FIELDS) - 1
_CRITERIA = EVENT_FIELDS.index("criteria")
_REASON = EVENT_FIELDS.index("reason")

# How each field is read from PostgreSQL so that its text form never depends on the session:
# criteria as jsonb text (parsed below), the address without a netmask.
SELECT_COLUMNS = ", ".join(
    {
        "criteria": "criteria::text",
        "ip_address": "host(ip_address)",
    }.get(name, name)
    for name in ROW_FIELDS
)


# Built once: json.dumps with options builds a new encoder per call, a third of the cost of
# encoding an event (the sealer and verifier encode every event).
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def timestamp_text(moment: datetime) -> str:
    """UTC, microseconds always present: ``2026-11-25T07:38:00.000123Z``."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def event_bytes(row: Sequence) -> bytes:
    """Encode one row, its values in ``ROW_FIELDS`` order as ``SELECT_COLUMNS`` reads them, by
    its own leaf version. A row of the 15 ``EVENT_FIELDS`` alone is read as version 1, as
    rows were before version 2, so that scripts written for version 1 keep working."""
    version, _salt, digest = _version_of(row)
    api_client = row[len(ROW_FIELDS) - 1] if len(row) == len(ROW_FIELDS) else None
    record = dict(zip(EVENT_FIELDS, row, strict=False))
    record["occurred_at"] = timestamp_text(record["occurred_at"])
    record["result_ids"] = list(record["result_ids"] or [])
    if version == 1:
        record["criteria"] = _criteria(record["criteria"])
    elif version == 2:
        for name in PERSONAL_FIELDS:
            del record[name]
        record["personal_digest"] = None if digest is None else bytes(digest).hex()
    else:
        raise ValueError(f"event {record['id']}: unknown leaf version {version!r}")
    if api_client is not None:
        record["api_client"] = api_client
    record["v"] = version
    return _ENCODER.encode(record).encode()


def personal_bytes(criteria: dict[str, Any], reason: str) -> bytes:
    """The canonical bytes of an event's personal data: the JSON object
    ``{"criteria": …, "reason": …}``, encoded like a leaf (sorted keys, no whitespace, ASCII
    escapes)."""
    return _ENCODER.encode({"criteria": criteria, "reason": reason}).encode()


def personal_digest(salt: bytes, criteria: dict[str, Any], reason: str) -> bytes:
    """SHA-256(salt ‖ personal bytes): what a version 2 leaf seals instead of the data."""
    return hashlib.sha256(bytes(salt) + personal_bytes(criteria, reason)).digest()


def row_personal_digest(row: Sequence, salt: bytes) -> bytes:
    """The digest of a row's own criteria and reason under ``salt``, the criteria as
    PostgreSQL gives them back: what a version 2 leaf seals for this row."""
    return personal_digest(salt, _criteria(row[_CRITERIA]), row[_REASON])


def as_version_2(row: Sequence, digest: bytes) -> tuple:
    """A version 1 row as re-rooting re-encodes it (``audit.sealing.reroot``): every field as it
    was, leaf version 2 and ``digest``. The salt is not part of the leaf, so an outside party
    holding the version 1 event and the digest (in the transition's mapping file) can rebuild
    the new leaf and see that nothing but the encoding changed."""
    return (*row[: len(EVENT_FIELDS)], 2, None, digest)


def personal_data_problem(row: Sequence) -> str | None:
    """Why a version 2 row's criteria and reason are not what its leaf committed to (None for
    version 1 rows, whose leaf holds them itself). With the salt kept, they must hash to the
    sealed digest; forgotten (no salt), they must be empty."""
    version, salt, digest = _version_of(row)
    if version != 2:
        return None
    if salt is None:
        held = _criteria(row[_CRITERIA]) or row[_REASON]
        return "has lost its salt but still holds personal data" if held else None
    if digest is None or row_personal_digest(row, salt) != bytes(digest):
        return "has changed since it was sealed"
    return None


def _version_of(row: Sequence) -> tuple:
    """(leaf version, salt, digest) of a row; a bare row of ``EVENT_FIELDS`` is version 1."""
    if len(row) == len(EVENT_FIELDS):
        return 1, None, None
    if len(row) not in (len(ROW_FIELDS), _ROW_FIELDS_BEFORE_API):
        raise ValueError(f"a row has {len(ROW_FIELDS)} values, not {len(row)}")
    return tuple(row[len(EVENT_FIELDS) : _ROW_FIELDS_BEFORE_API])


def _criteria(value: Any) -> Any:
    """Criteria as PostgreSQL gives them back: jsonb text, parsed."""
    return json.loads(value) if isinstance(value, str) else value
