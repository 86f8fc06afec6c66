"""The matcher's model: levels of agreement per field, m and u probabilities, weights.

Fellegi–Sunter: each field of a candidate agrees with what was typed at one *level* (exact,
a nickname, the same sound, one letter out, …). A level is worth ``log2(m / u)`` bits, where
``m`` is how often a record of the same child agrees at that level (errors made by people
typing) and ``u`` how often a record of a different child does (chance). Summed over the
fields, the weight ranks candidates; nothing is thrown away because one field disagrees.

- ``u`` is measured on this directory (``estimate_match_weights`` compares random pairs of
  its children with the matcher's own SQL; see ``match_estimate``); until it has run, the
  defaults below, measured that way on the demo world, apply. A family name agreeing
  exactly is weighted by how common that name is (term frequency), so "Smith" agreeing
  counts for less than "Featherstonehaugh".
- ``m`` cannot be measured on a directory that holds each child once: it comes from the
  error rates of clerical data entry (see docs/matching.md). Links confirmed in the local
  authority's review queue will give known pairs to re-estimate it.

The levels themselves are SQL (``matcher``): the same expressions rank a search and
estimate ``u``, so the two can never disagree.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

# Levels per field, in the order the SQL CASE tests them; 0 means "not typed". Each
# level's label is what a result says about that field.
FAMILY_LEVELS = {
    1: "Family name matches",
    2: "Matches a former family name",
    3: "Matches one part of a double-barrelled family name",
    4: "Family name differs by one letter or two swapped letters",
    5: "Family name sounds the same",
    6: "Family name differs by two letters",
    7: "Family name differs",
    8: "Given and family names entered the wrong way round",
}
GIVEN_LEVELS = {
    1: "Given name matches",
    2: "Given name is a short form or nickname",
    3: "Given name sounds the same, or differs by one letter or two swapped letters",
    4: "Given name differs by two letters",
    5: "Only the given name's initial matches",
    6: "Given name differs",
    8: "Given and family names entered the wrong way round",
}
DOB_LEVELS = {
    1: "Date of birth matches",
    2: "Date of birth matches with day and month swapped",
    3: "Date of birth differs by one digit, two swapped digits or a year",
    4: "Date of birth differs by two digits",
    5: "Date of birth differs",
}
# Levels that count as agreement in what a result shows ("agreed" rather than "differs").
AGREEING = {"family": {1, 2, 3, 5, 8}, "given": {1, 2, 3, 8}, "dob": {1, 2}}

# m: the share of a child's own records at each level, from clerical error rates (reference
# in docs/matching.md). Each field's shares sum to one.
M = {
    "family": {1: 0.90, 2: 0.01, 3: 0.01, 4: 0.03, 5: 0.02, 6: 0.01, 7: 0.015, 8: 0.005},
    "given": {1: 0.86, 2: 0.04, 3: 0.04, 4: 0.02, 5: 0.01, 6: 0.025, 8: 0.005},
    "dob": {1: 0.93, 2: 0.015, 3: 0.04, 4: 0.005, 5: 0.01},
}
# u: the share of random pairs of different children at each level, as measured by
# ``estimate_match_weights --pairs 20000 --seed 1`` on the demo world (5,000 children:
# 2,476 pairs; shares smoothed as (pairs at the level + 0.5) / (pairs + 1)).
U_DEFAULT = {
    "family": {
        1: 0.0014,
        2: 0.0002,
        3: 0.0002,
        4: 0.0002,
        5: 0.0014,
        6: 0.003,
        7: 0.9945,
        8: 0.0002,
    },
    "given": {1: 0.0018, 2: 0.0014, 3: 0.0038, 4: 0.0046, 5: 0.0515, 6: 0.9376, 8: 0.0002},
    "dob": {1: 0.0002, 2: 0.0002, 3: 0.0055, 4: 0.0382, 5: 0.9566},
}
# The least u any level is given: a level no random pair reached is rare, not impossible.
U_FLOOR = 0.00001
# Levels from best to worst agreement (8, names the wrong way round, stands apart): a worse
# level never weighs more than a better one, whatever a small sample of pairs measured.
ORDER = {"family": (1, 2, 3, 4, 5, 6, 7), "given": (1, 2, 3, 4, 5, 6), "dob": (1, 2, 3, 4, 5)}


@dataclass(frozen=True)
class MatchModel:
    """Weights per field and level (index = level; index 0, "not typed", weighs nothing),
    and the number of active children that the term frequencies are shares of."""

    family: tuple[float, ...]
    given: tuple[float, ...]
    dob: tuple[float, ...]
    m_family_exact: float
    children: int

    def family_exact_weight(self, children_with_name: int) -> float:
        """The weight of an exact family-name agreement for a name ``children_with_name``
        children carry: a common name agreeing is likelier by chance, so it counts less.

        A name no child carries was probably mistyped; what an exact agreement with the
        name meant would weigh is not known, so it weighs what an exact agreement weighs on
        average (otherwise every misspelling would look like the rarest name there is, and
        set the bar for its own near matches out of reach).
        """
        if children_with_name <= 0:
            return self.family[1]
        share = children_with_name / max(self.children, 1)
        return math.log2(self.m_family_exact / max(share, U_FLOOR))


def weights_from(field: str, u: dict[int, float]) -> tuple[float, ...]:
    """``log2(m/u)`` per level of ``field``, as a tuple indexed by level (gaps weigh
    nothing), no level weighing more than a better one."""
    m = M[field]
    weights = [0.0] * (max(m) + 1)
    for level, share in m.items():
        weights[level] = math.log2(share / max(u.get(level, U_FLOOR), U_FLOOR))
    order = ORDER[field]
    for better, worse in zip(order, order[1:], strict=False):
        weights[worse] = min(weights[worse], weights[better])
    return tuple(weights)


def model_build(u: dict[str, dict[int, float]], children: int) -> MatchModel:
    return MatchModel(
        family=weights_from("family", u["family"]),
        given=weights_from("given", u["given"]),
        dob=weights_from("dob", u["dob"]),
        m_family_exact=M["family"][1],
        children=children,
    )


_cache: dict[str, tuple[float, MatchModel]] = {}


def match_model_current(using: str = DEFAULT_DB_ALIAS) -> MatchModel:
    """The model with the newest estimated u (or the defaults), cached for a few minutes:
    it changes when ``estimate_match_weights`` runs, not between two searches."""
    cached = _cache.get(using)
    if cached and time.monotonic() - cached[0] < settings.MATCH_MODEL_CACHE_SECONDS:
        return cached[1]
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT u FROM directory_matchweights ORDER BY estimated_at DESC LIMIT 1),"
            # The planner's row estimate is free and close enough for a large directory;
            # a small or never-analysed one is counted.
            " (SELECT CASE WHEN reltuples >= 100000 THEN reltuples::bigint"
            "  ELSE (SELECT count(*) FROM directory_child) END"
            "  FROM pg_class WHERE oid = 'directory_child'::regclass)"
        )
        stored, children = cursor.fetchone()
    model = model_build(_u_parse(stored) if stored else U_DEFAULT, int(children or 1))
    _cache[using] = (time.monotonic(), model)
    return model


def match_model_forget() -> None:
    """Drop the cached model (after a new estimate, and between tests)."""
    _cache.clear()


def _u_parse(stored) -> dict[str, dict[int, float]]:
    """Read through a plain cursor, the JSON arrives as text; its keys are strings, and
    levels are numbers."""
    if isinstance(stored, str):
        stored = json.loads(stored)
    return {
        field: {int(k): float(v) for k, v in levels.items()} for field, levels in stored.items()
    }
