"""The directory as it stands before the import: its active children and organisations.

Read straight from the tables with SQL (not through the application), because the feed's
truth is about rows, not about what any user may see.

At national scale the generator cannot hold every child: 12 million ``Held`` rows would
take well over 10 GB of Python objects and minutes to read, and a feed only copies a few
of them. So ``world_read`` reads a sample of whole households (drawn by a hash of the
address and the seed, so twins and siblings stay together and a seed gives the same
sample), sized to a few times the rows the feed draws, plus every shielded child (the
feed's shielded rows come from them); the counts the report gives are counted in SQL over
all active children. The yardstick reads all children itself (``yardstick.held_frame``).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

CHILDREN_SQL = """
SELECT c.id, c.public_id, c.given_name, c.family_name, c.other_names, c.date_of_birth,
       c.gender, c.address_line_1_sealed, c.address_line_2_sealed, c.town_sealed,
       c.postcode_sealed, c.local_authority_id, c.shielded,
       coalesce(k.given_name || ' ' || k.family_name, ''), coalesce(k.relationship, ''),
       k.id, k.phone_sealed, k.email_sealed
FROM directory_child c
LEFT JOIN LATERAL (
    SELECT id, given_name, family_name, relationship, phone_sealed, email_sealed
    FROM directory_carer WHERE child_id = c.id ORDER BY id LIMIT 1
) k ON true
WHERE c.status = 'active'
  AND (c.shielded OR (hashtext(c.local_authority_id || '|' || coalesce(c.postcode_index, 0)
                               || '|' || %(seed)s) & 1023) < %(share)s)
ORDER BY c.id
"""
# Households are sampled by postcode (its blind index: the address is sealed), so a
# household's children are still drawn together.
# Households are drawn in 1024ths; the sample holds about this many times the feed's rows
# (``FeedMaker`` draws children by rejection and needs most of its pools unused), and never
# fewer than ``SAMPLE_FLOOR`` children so that a small feed still finds its twins.
SAMPLE_PER_ROW = 4
SAMPLE_FLOOR = 200_000


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
    children: list[Held]  # whole households, a sample at scale (see the module's doc)
    # (local authority, organisation kind) -> codes
    organisations: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    active: int = 0  # every active child, counted in SQL
    shielded: int = 0

    def households(self) -> dict[tuple, list[Held]]:
        """Children at one address: the world puts a household's children there together."""
        homes: dict[tuple, list[Held]] = defaultdict(list)
        for child in self.children:
            homes[child.household].append(child)
        return homes

    def authorities(self) -> list[str]:
        return sorted({child.authority for child in self.children})


def world_counts(connection) -> tuple[int, int]:
    """Active children, and how many of them are shielded."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE shielded) FROM directory_child "
            "WHERE status = 'active'"
        )
        return cursor.fetchone()


def _held(row) -> Held:
    """A sampled child with its address and first carer's contacts opened."""
    from directory.models import Carer, Child

    (pk, public_id, given, family, other, dob, gender, *sealed_address, authority, shielded,
     carer_name, relationship, carer_id, phone, email) = row  # fmt: skip
    address = [
        Child.sealed_text(name, raw, row=public_id)
        for name, raw in zip(Child.SEALED, sealed_address, strict=True)
    ]
    contacts = [
        Carer.sealed_text(name, raw, row=str(carer_id)) if carer_id else ""
        for name, raw in (("phone", phone), ("email", email))
    ]
    return Held(
        pk, public_id, given, family, other, dob, gender, *address, authority, shielded,
        carer_name, relationship, *contacts,
    )  # fmt: skip


def world_read(connection, *, rows: int, seed: int) -> World:
    """The world a feed of ``rows`` rows is drawn from: all of it when small, else a sample
    of households (see the module's doc)."""
    active, shielded = world_counts(connection)
    share = min(1024, -(-1024 * max(SAMPLE_FLOOR, SAMPLE_PER_ROW * rows) // max(1, active)))
    children: list[Held] = []
    # A named cursor streams the rows, so the sample is never held twice.
    with connection.cursor(name="world_children", withhold=True) as stream:
        stream.itersize = 20_000
        stream.execute(CHILDREN_SQL, {"seed": str(seed), "share": share})
        children.extend(_held(row) for row in stream)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT local_authority_id, kind, code FROM directory_organisation ORDER BY code"
        )
        organisations: dict[tuple[str, str], list[str]] = defaultdict(list)
        for authority, kind, code in cursor.fetchall():
            organisations[(authority, kind)].append(code)
    return World(children, dict(organisations), active=active, shielded=shielded)


def shield_more(connection, *, wanted: int, seed: int) -> int:
    """Shield a random sample of active children until ``wanted`` are shielded.

    The world shields about 0.3 % of children, which at a small world leaves too few for
    the feed's shielded rows to say anything; the extra shields are set in the run's copy
    only, drawn by the seed, and reported. Returns how many were added.
    """
    if world_counts(connection)[1] >= wanted:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, shielded FROM directory_child WHERE status = 'active'")
        rows = cursor.fetchall()
        have = sum(1 for _, shielded in rows if shielded)
        pool = sorted(child_id for child_id, shielded in rows if not shielded)
        extra = random.Random(f"shield:{seed}").sample(pool, min(len(pool), wanted - have))
        cursor.execute("UPDATE directory_child SET shielded = true WHERE id = ANY(%s)", [extra])
    return len(extra)
