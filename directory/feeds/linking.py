"""Where an incoming record goes: the child it is, a new child, or a person's review.

Rule (identity): feeds are linked with the search's own matcher (``access.gateway.matcher``),
so the two can never disagree about who a child is. The matcher weighs family name, given
name and date of birth; a feed also says sex and postcode, which separate twins and
siblings, so they adjust the weight here:

- **link** when the best candidate is within ``LINK_MARGIN`` bits of a perfect agreement
  and at least ``LINK_GAP`` bits ahead of the next one;
- **new child** when no candidate comes within ``NEW_MARGIN`` bits;
- **review** in between, by the data managers of the authority the best candidate lives in.

Rule (shielding): a record that could be a shielded child never becomes a visible
duplicate. When the matcher returns a shielded candidate at all (its possible-match band,
wider than ``NEW_MARGIN``), the record is linked to that child only if it is the clear best;
otherwise it goes to the shielding authority's review queue, and is never created as a new
child nor linked to another child.
"""

from __future__ import annotations

from dataclasses import dataclass

from access.gateway.match_model import match_model_current
from access.gateway.matcher import (
    Candidate,
    MatchQuery,
    candidates_rank,
    query_best_weight,
    query_keys_lookup,
)

# Thresholds in bits below the weight of a perfect agreement (family + given + date of
# birth: about 30 bits for a name of average frequency). One slip in one field costs 4-10.
LINK_MARGIN = 8.0
LINK_GAP = 6.0
NEW_MARGIN = 16.0
# Sex: a difference where both are known is strong evidence of another child (twins of
# different sexes; a clerical slip is rare); agreement says little (half agree by chance).
SEX_DIFFERS = -6.0
# Postcode: agreement is strong evidence (siblings share it too, but they differ in given
# name and date of birth); a difference says little (families move).
POSTCODE_AGREES = 3.0
CANDIDATES = 5
_ACTIVE = ('"directory_child".status = %s', ["active"])


@dataclass(frozen=True)
class Weighed:
    """A matcher candidate with the feed's own evidence added."""

    candidate: Candidate
    weight: float

    @property
    def public_id(self) -> str:
        return self.candidate.row["public_id"]

    @property
    def shielded(self) -> bool:
        return bool(self.candidate.row["shielded"])


@dataclass(frozen=True)
class Placement:
    """The decision for one record: ``link`` (to ``child``), ``new`` or ``review``."""

    decision: str
    child: str = ""
    shielded: bool = False
    candidates: tuple[Weighed, ...] = ()
    best: float = 0.0


def record_place(*, family_name, given_name, date_of_birth, gender, postcode, using) -> Placement:
    """Decide where one incoming record goes (see the module's rules)."""
    query = MatchQuery(family_name=family_name, given_name=given_name, date_of_birth=date_of_birth)
    keys = query_keys_lookup(query, using=using)
    model = match_model_current(using)
    best = query_best_weight(query, keys=keys, model=model)
    found = candidates_rank(
        query=query, condition=_ACTIVE, limit=CANDIDATES, using=using, keys=keys, model=model
    )
    weighed = sorted(
        (Weighed(c, c.score + _extra(c, gender=gender, postcode=postcode)) for c in found),
        key=lambda w: -w.weight,
    )
    near = tuple(w for w in weighed if w.weight >= best - NEW_MARGIN)
    # Any shielded candidate the matcher returns at all (its possible-match band, wider
    # than NEW_MARGIN) keeps the record from becoming a new child: a duplicate of a
    # shielded child would be visible, and would say where the child now lives.
    shielded = tuple(w for w in weighed if w.shielded)
    if not near and not shielded:
        return Placement("new", best=best)
    top = near[0] if near else None
    runner_up = near[1].weight if len(near) > 1 else float("-inf")
    clear = top and top.weight >= best - LINK_MARGIN and top.weight - runner_up >= LINK_GAP
    # A shielded child's update wrongly linked to another child would put where the
    # shielded child lives on a visible record: with one near, only that child is linked.
    if clear and (top.shielded or not shielded):
        return Placement("link", child=top.public_id, shielded=top.shielded, candidates=near)
    held = near + tuple(w for w in shielded if w not in near)
    return Placement("review", shielded=bool(shielded), candidates=held, best=best)


def _extra(candidate: Candidate, *, gender: str, postcode: str) -> float:
    row = candidate.row
    weight = 0.0
    known = {"female", "male", "other"}
    if gender in known and row["gender"] in known and gender != row["gender"]:
        weight += SEX_DIFFERS
    if postcode and row["postcode"] == postcode:
        weight += POSTCODE_AGREES
    return weight
