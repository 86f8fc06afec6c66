"""The canonical bytes of one audit event: what a Merkle leaf commits to.

Why a fixed, documented encoding: the sealer and the verifier (and anyone re-checking the log
years later, in another language) must turn the same row into the same bytes, or a clean log
would look tampered with. So the field list is fixed here, every field is included (the id
too: it pins each event to its place, so swapping two rows' contents changes both leaves),
and the form is JSON with sorted keys, no whitespace and ASCII escapes, timestamps in UTC with
microseconds. Adding a column to ``AccessEvent`` does not change old leaves; including it in
the encoding would need a new ``LEAF_VERSION``.

No Django here: ``verify_head`` and outside parties use it as it is.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

LEAF_VERSION = 1

# The order of columns the sealer and verifier select; the JSON itself is key-sorted.
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

# How each field is read from PostgreSQL so that its text form never depends on the session:
# criteria as jsonb text (parsed below), the address without a netmask.
SELECT_COLUMNS = ", ".join(
    {
        "criteria": "criteria::text",
        "ip_address": "host(ip_address)",
    }.get(name, name)
    for name in EVENT_FIELDS
)


# Built once: json.dumps with options builds a new encoder per call, a third of the cost of
# encoding an event (the sealer and verifier encode every event).
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def timestamp_text(moment: datetime) -> str:
    """UTC, microseconds always present: ``2026-11-25T07:38:00.000123Z``."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def event_bytes(row: Sequence) -> bytes:
    """Encode one row, its values in ``EVENT_FIELDS`` order as ``SELECT_COLUMNS`` reads them."""
    record = dict(zip(EVENT_FIELDS, row, strict=True))
    record["occurred_at"] = timestamp_text(record["occurred_at"])
    criteria = record["criteria"]
    record["criteria"] = json.loads(criteria) if isinstance(criteria, str) else criteria
    record["result_ids"] = list(record["result_ids"] or [])
    record["v"] = LEAF_VERSION
    return _ENCODER.encode(record).encode()
