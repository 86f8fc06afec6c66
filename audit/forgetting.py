"""Forgetting: the sealed log lets go of the personal data in an event, and stays verifiable.

Rule (retention): when a child's record is destroyed, the log must not keep what was typed to
find them (names, date of birth, postcode) nor free text about them, yet every sealed event
must still verify and still say who did what, when, with what outcome, about which record id.

An event of leaf version 2 seals a salted digest of its criteria and reason instead of them
(``sealing/canonical.py``). Forgetting empties both and deletes the salt: the leaf, and so every
signed head, is unchanged, and what remains cannot be tested against guesses. The change is made
by the database function ``cp_audit_forget`` (migration 0013), which runs as the owner and is
the one exception the append-only trigger allows, for exactly those three columns of version 2
rows; the application's role still holds no UPDATE on the log. Version 1 events (written before
migration 0013) seal their criteria themselves and are left as they are (docs/audit.md,
*Forgetting*).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from .selectors import access_event_ids_naming_children, access_event_ids_searching_for

# Ids per call: one statement's array stays small, and each call is one index probe per id.
CHUNK = 5000


@dataclass(frozen=True)
class ForgetResult:
    forgotten: int
    # Events of leaf version 1 among those asked for: their personal data stays (see above).
    kept_version_1: int

    def __add__(self, other: ForgetResult) -> ForgetResult:
        return ForgetResult(
            self.forgotten + other.forgotten, self.kept_version_1 + other.kept_version_1
        )


def audit_forget(*, event_ids: list[int]) -> ForgetResult:
    """Forget the criteria and reason of these events (version 2 only). Idempotent: an event
    already forgotten is not counted again, an id with no event is ignored."""
    result = ForgetResult(0, 0)
    with connection.cursor() as cursor:
        for start in range(0, len(event_ids), CHUNK):
            cursor.execute(
                "SELECT forgotten, kept_version_1 FROM cp_audit_forget(%s::bigint[])",
                [list(event_ids[start : start + CHUNK])],
            )
            result += ForgetResult(*cursor.fetchone())
    return result


def audit_forget_children(
    *, public_ids: list[str], identities: list[tuple[str, str, str]] = ()
) -> ForgetResult:
    """Forget every event naming these children (by id or among search results), and the
    searches that typed their family name and date of birth but showed no child still held
    (``identities``: public id, family name, ISO date of birth): what retention calls when it
    destroys their records, with the ids of the records merged into them too."""
    if not public_ids:
        return ForgetResult(0, 0)
    named = access_event_ids_naming_children(public_ids=public_ids)
    searched = access_event_ids_searching_for(children=list(identities), destroyed_ids=public_ids)
    return audit_forget(event_ids=sorted(set(named) | set(searched)))
