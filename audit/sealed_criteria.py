"""Where-a-child-lives values in an event's criteria, stored sealed (issue 15).

Rule (protection at rest): a search event keeps what the practitioner typed beside the ids of
the children it showed, so a postcode typed there says where those children live; whoever
reads ``audit_accessevent`` (a DBA, a dump, a backup) must not learn it. The writer therefore
stores each value named in ``SEALED_CRITERIA`` sealed with AES-GCM under the ``audit`` data
key (``directory/sealing``), as ``{"sealed": "<base64>"}`` in place of the text, bound to the
event's own salt, so a value copied into another event does not open.

Why the salt and not the id: the value is sealed before the row exists (the id comes from the
INSERT). Why the leaf's digest is over the sealed form, not the text: the salt sits in the same
row, and a digest over a postcode can be tested against every postcode in the country in
seconds; over the sealed form it says nothing. So ``verify_audit`` needs no key, and events
written before this (criteria in the clear) still verify as they are.

Audit keys are never re-sealed or dropped by ``rotate_keys`` (the log is append-only): a new
one only becomes current for new events. Forgetting (``forgetting.py``) empties the criteria
and deletes the salt, which leaves nothing to open.
"""

from __future__ import annotations

import base64
from typing import Any

from directory.sealing import keyring
from directory.sealing.cipher import SealBroken, bound_to, seal
from directory.sealing.provider import KeyUnavailable

# The criteria keys stored sealed: what locates a child. Names and a date of birth are not:
# the directory holds them in the clear, and the misuse review reads them in SQL.
SEALED_CRITERIA = ("postcode",)
_MARK = "sealed"
_TABLE = "audit_accessevent"
# Shown instead of a value that does not open (a key missing, or the value moved).
UNREADABLE = "(cannot be opened)"


def _binding(name: str, salt: bytes) -> bytes:
    return bound_to(_TABLE, f"criteria.{name}", salt.hex())


def criteria_seal(criteria: dict[str, Any], *, salt: bytes) -> dict[str, Any]:
    """``criteria`` with each value of ``SEALED_CRITERIA`` replaced by its sealed form."""
    names = [name for name in SEALED_CRITERIA if isinstance(criteria.get(name), str)]
    if not names:
        return criteria
    key = keyring.current_key(keyring.AUDIT)
    out = dict(criteria)
    for name in names:
        raw = seal(criteria[name], key_id=key.id, key=key.aead, binding=_binding(name, salt))
        out[name] = {_MARK: base64.b64encode(raw).decode("ascii")}
    return out


def criteria_open(criteria: Any, *, salt: bytes | memoryview | None) -> dict[str, Any]:
    """``criteria`` as typed: sealed values opened (for the auditor's evidence). A value that
    does not open reads ``UNREADABLE``; a forgotten event's criteria are already empty."""
    if not isinstance(criteria, dict):
        return {}
    out = dict(criteria)
    for name in SEALED_CRITERIA:
        value = criteria.get(name)
        if not (isinstance(value, dict) and _MARK in value):
            continue
        try:
            raw = base64.b64decode(value[_MARK])
            out[name] = keyring.text_open(raw, binding=_binding(name, bytes(salt or b"")))
        except (SealBroken, KeyUnavailable, LookupError, ValueError):
            out[name] = UNREADABLE
    return out
