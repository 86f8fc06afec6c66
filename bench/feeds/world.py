"""The directory as it stands before the import: its active children and organisations.

Read straight from the tables with SQL (not through the application), because the feed's
truth is about rows, not about what any user may see.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

CHILDREN_SQL = """
SELECT c.id, c.public_id, c.given_name, c.family_name, c.other_names, c.date_of_birth,
       c.gender, c.address_line_1, c.address_line_2, c.town, c.postcode,
       c.local_authority_id, c.shielded,
       coalesce(k.given_name || ' ' || k.family_name, ''), coalesce(k.relationship, ''),
       coalesce(k.phone, ''), coalesce(k.email, '')
FROM directory_child c
LEFT JOIN LATERAL (
    SELECT given_name, family_name, relationship, phone, email FROM directory_carer
    WHERE child_id = c.id ORDER BY id LIMIT 1
) k ON true
WHERE c.status = 'active'
ORDER BY c.id
"""


@dataclass(frozen=True, slots=True)
class Held:
    """A child the directory holds, with the first carer a feed would name."""

    id: int
    public_id: str
    given: str
    family: str
    other_names: str
    dob: date
    gender: str
    address_line_1: str
    address_line_2: str
    town: str
    postcode: str
    authority: str
    shielded: bool
    carer_name: str
    carer_relationship: str
    carer_phone: str
    carer_email: str

    @property
    def household(self) -> tuple[str, str, str]:
        return (self.authority, self.address_line_1, self.postcode)


@dataclass
class World:
    children: list[Held]
    # (local authority, organisation kind) -> codes
    organisations: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def households(self) -> dict[tuple, list[Held]]:
        """Children at one address: the world puts a household's children there together."""
        homes: dict[tuple, list[Held]] = defaultdict(list)
        for child in self.children:
            homes[child.household].append(child)
        return homes

    def authorities(self) -> list[str]:
        return sorted({child.authority for child in self.children})


def world_read(connection) -> World:
    with connection.cursor() as cursor:
        cursor.execute(CHILDREN_SQL)
        children = [Held(*row) for row in cursor.fetchall()]
        cursor.execute(
            "SELECT local_authority_id, kind, code FROM directory_organisation ORDER BY code"
        )
        organisations: dict[tuple[str, str], list[str]] = defaultdict(list)
        for authority, kind, code in cursor.fetchall():
            organisations[(authority, kind)].append(code)
    return World(children, dict(organisations))


def shield_more(connection, *, wanted: int, seed: int) -> int:
    """Shield a random sample of active children until ``wanted`` are shielded.

    The world shields about 0.3 % of children, which at a small world leaves too few for
    the feed's shielded rows to say anything; the extra shields are set in the run's copy
    only, drawn by the seed, and reported. Returns how many were added.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, shielded FROM directory_child WHERE status = 'active'")
        rows = cursor.fetchall()
        have = sum(1 for _, shielded in rows if shielded)
        if have >= wanted:
            return 0
        pool = sorted(child_id for child_id, shielded in rows if not shielded)
        extra = random.Random(f"shield:{seed}").sample(pool, min(len(pool), wanted - have))
        cursor.execute("UPDATE directory_child SET shielded = true WHERE id = ANY(%s)", [extra])
    return len(extra)
