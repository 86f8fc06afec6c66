"""Make sure the demo can show shielding and cloaking to the personas who use them.

Shielded households are drawn at random and rare (0.3%), so a small world may have none in
Leeds, where ``datamanager``, ``datamanager2`` and ``cp.lead`` work. Nothing here draws from
the random generator: a world that already has what it needs is left exactly as it was, and
the personas' descriptions name a child to try.
"""

from __future__ import annotations

from directory.models import Child

from .blueprint import World
from .households import Population
from .places import AUTHORITIES

SHOWCASE_AUTHORITY = AUTHORITIES[0].code
_SHIELDING_PERSONAS = ("datamanager", "datamanager2", "cp.lead")
_CLOAKED_NURSE = "nurse.sexualhealth"
_CLOAKED_ENQUIRER = "socialworker"


def shielded_household_ensure(population: Population) -> None:
    """Shield the first Leeds household whose children are all active, if no active child
    living in Leeds is shielded yet."""
    children = population.children
    if any(_shielded_in_showcase(child) for child in children):
        return
    for household in population.households:
        indexes = [index for index, _ in household.children]
        rows = [children[index] for index in indexes]
        if rows and all(
            row.local_authority == SHOWCASE_AUTHORITY and row.status == Child.Status.ACTIVE
            for row in rows
        ):
            for index in indexes:
                children[index] = children[index]._replace(shielded=True)
            return


def _shielded_in_showcase(child) -> bool:
    return (
        child.shielded
        and child.local_authority == SHOWCASE_AUTHORITY
        and child.status == Child.Status.ACTIVE
    )


def showcase_hints_add(world: World) -> None:
    """Name, in the personas' descriptions, a shielded child and a child with a cloaked
    involvement they can look up."""
    personas = {persona.username: persona for persona in world.personas}
    shielded = next((c for c in world.children if _shielded_in_showcase(c)), None)
    if shielded is not None:
        hint = (
            f" Shielded child to try: {shielded.given_name} {shielded.family_name}, born "
            f"{shielded.date_of_birth:%Y-%m-%d} (search the family name with the date of birth)."
        )
        for username in _SHIELDING_PERSONAS:
            if username in personas:
                personas[username].description += hint
    nurse = personas.get(_CLOAKED_NURSE)
    cloaked = _cloaked_child(world, nurse.organisation) if nurse else None
    if cloaked is not None:
        nurse.description += (
            f" To see a notification arrive, sign in as {_CLOAKED_ENQUIRER} and open the "
            f"record of {cloaked.given_name} {cloaked.family_name}, born "
            f"{cloaked.date_of_birth:%Y-%m-%d}."
        )


def _cloaked_child(world: World, organisation: str | None):
    """An active, unshielded Leeds child the sexual-health service works with now."""
    for involvement in world.involvements:
        child = world.children[involvement.child]
        if (
            involvement.organisation == organisation
            and involvement.ended_on is None
            and child.local_authority == SHOWCASE_AUTHORITY
            and child.status == Child.Status.ACTIVE
            and not child.shielded
        ):
            return child
    return None
