"""Build the whole demo world from a number of children and a seed, without a database.

Everything that identifies a child or an organisation comes from one ``random.Random(seed)``
and one seeded Faker, consumed in a fixed order, so the same arguments give the same world:
a demo, a screenshot or a bug report can be reproduced exactly. Dates are fixed relative to
``REFERENCE_DATE`` rather than today for the same reason; only the demo users' vetting dates
follow today, because vetting is checked against today.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date

from faker import Faker

from access.models import CHILD_READER_ROLES
from directory.models import Child, Organisation

from .blueprint import AuthorityRow, World
from .households import population_build
from .involvements import involvements_build
from .names import name_pools_build
from .organisations import directory_build
from .personas import personas_build
from .places import AUTHORITIES, address_books_build
from .showcase import shielded_household_ensure, showcase_hints_add

# The first day of the 2026/27 school year: every child's age, school year and involvement
# dates are computed from it. It is in the past, so every involvement has begun by the time
# anyone loads the demo, and children turn 18 only as the real calendar moves on.
REFERENCE_DATE = date(2026, 9, 1)
_CHILDREN_PER_HOUSEHOLD = 1.55
_EXAMPLES = 2


def world_build(*, children: int, seed: int, today: date) -> World:
    rng = random.Random(seed)  # noqa: S311 (reproducible demo data; nothing secret here)
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    pools = name_pools_build(seed=seed)
    books = address_books_build(
        fake=fake, rng=rng, households=int(children / _CHILDREN_PER_HOUSEHOLD) + 1
    )
    directory = directory_build(rng=rng, pools=pools, books=books)
    population = population_build(
        rng=rng,
        pools=pools,
        books=books,
        directory=directory,
        children=children,
        reference_date=REFERENCE_DATE,
    )
    shielded_household_ensure(population)
    world = World(
        seed=seed,
        reference_date=REFERENCE_DATE,
        authorities=[AuthorityRow(a.code, a.name) for a in AUTHORITIES],
        organisations=directory.organisations,
        practitioners=directory.practitioners,
        children=population.children,
        carers=population.carers,
        involvements=involvements_build(
            rng=rng, directory=directory, population=population, reference_date=REFERENCE_DATE
        ),
        personas=personas_build(rng=rng, pools=pools, directory=directory, today=today),
    )
    _suggest_searches(world)
    showcase_hints_add(world)
    return world


def _suggest_searches(world: World) -> None:
    """Tell each persona who reads records which family names find children for them, so a
    first search in the demo succeeds (the commonest names among the children they see)."""
    in_scope = _children_in_scope(world)
    for persona in world.personas:
        counts = Counter(
            world.children[i].family_name
            for i in in_scope.get(persona.organisation, ())
            if world.children[i].status == Child.Status.ACTIVE and not world.children[i].shielded
        )
        if persona.role in CHILD_READER_ROLES and counts:
            persona.example_surnames = tuple(name for name, _ in counts.most_common(_EXAMPLES))
            found = " or ".join(
                f"'{name}' ({counts[name]} children)" for name in persona.example_surnames
            )
            persona.description += f"; try searching for the family name {found}"
        persona.description += "."


def _children_in_scope(world: World) -> dict[str, set[int]]:
    """Children each persona's organisation sees: those it works with now, and for
    children's services everyone living in the authority."""
    wanted = {persona.organisation for persona in world.personas}
    scope: dict[str, set[int]] = defaultdict(set)
    for involvement in world.involvements:
        if involvement.organisation in wanted and involvement.ended_on is None:
            scope[involvement.organisation].add(involvement.child)
    authority_services = {
        row.local_authority: row.code
        for row in world.organisations
        if row.code in wanted and row.kind == Organisation.Kind.LA_CHILDRENS_SERVICES
    }
    for index, child in enumerate(world.children):
        if child.local_authority in authority_services:
            scope[authority_services[child.local_authority]].add(index)
    return scope
