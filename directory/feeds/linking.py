"""Where an incoming record goes: the child it is, a new child, or a person's review.

Rule (identity): feeds are linked with the search's own matcher (``access.gateway.matcher``),
so the two can never disagree about who a child is. The matcher weighs family name, given
name and date of birth (and, when the feed gives one, the former family name is tried as
well); a feed also says sex, postcode, address and carer, which the matcher does not, so they
adjust the weight here (``_extra``):

- **link** when the best candidate is within ``LINK_MARGIN`` bits of a perfect agreement,
  at least ``LINK_GAP`` bits ahead of the next one, and either agrees on a strong identity
  or lives where the record says (``_linkable``: at national scale a forgiven slip without
  the address is as often a stranger as a typo);
- **new child** when no candidate comes within ``NEW_MARGIN`` bits;
- **review** in between, by the data managers of the authority the best candidate lives in.

Same household is not same child: an address or carer in common counts only when the given
name agrees too, exactly or as a nickname (then a mistyped date of birth is a slip, not a
sibling, and a new family name a change of name); a given name that differs outright, with
no nickname or sound in common, counts against (an unheld twin shares everything else).

Rule (shielding): a record that could be a shielded child never becomes a visible
duplicate. When the matcher returns a shielded candidate at all (its possible-match band,
wider than ``NEW_MARGIN``), or, before a new child is created, a shielded child has the
record's given name (or its sound), date of birth and sex under any family name, the
record is linked to that child only if it is the clear best; otherwise it goes to the
shielding authority's review queue, and is never created as a new child nor linked to
another child.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connections

from access.gateway.match_model import match_model_current
from access.gateway.matcher import (
    Candidate,
    MatchQuery,
    candidates_rank,
    candidates_score,
    query_best_weight,
    query_keys_lookup,
)
from directory.models import Child, postcode_indexes
from directory.normalise import name_key

# Thresholds in bits below the weight of a perfect agreement (family + given + date of
# birth: about 30 bits for a name of average frequency). One slip in one field costs 4-10.
LINK_MARGIN = 8.0
LINK_GAP = 6.0
# A stranger with the record's given name and date of birth (family name differing) falls
# 15-16 bits short; at national scale hundreds of children share a birthday and a popular
# given name, so such a candidate alone makes a new child, not a review. (Set on the
# feed benchmark's tuning seed; docs/performance.md reports another seed.)
NEW_MARGIN = 14.5
# Sex: a difference where both are known is strong evidence of another child (twins of
# different sexes; a clerical slip is rare); agreement says little (half agree by chance).
SEX_DIFFERS = -6.0
# Postcode: agreement is strong evidence (siblings share it too, but they differ in given
# name and date of birth); a difference says little (families move).
POSTCODE_AGREES = 3.0
# Address line or carer in common, with the given name agreeing exactly (or as a nickname):
# the same household's child of that name, whatever the family name says (children are
# renamed) - but not a sound-alike, which may be a twin (Ella and Ellie).
HOUSEHOLD_AGREES = {1: 10.0, 2: 6.0}
# A given name that differs outright (matcher level 6): another child of the family.
GIVEN_DIFFERS = -6.0
GIVEN_OTHER = 6
# Only the initial in common, though a whole name was typed: twins are often given names
# with the same initial (Ava and Aadhya), so this too counts as another child.
GIVEN_INITIAL = 5
# The matcher's family-name levels "differs" and "names the wrong way round"
# (match_model.FAMILY_LEVELS).
FAMILY_DIFFERS = 7
FAMILY_SWAPPED = 8
CANDIDATES = 5
# How far below a perfect agreement the matcher's candidates are read: what the feed's own
# evidence can add (postcode and household) beyond NEW_MARGIN, so that a child it would
# bring within reach is a candidate.
REACH = NEW_MARGIN + POSTCODE_AGREES + max(HOUSEHOLD_AGREES.values())
_ACTIVE = ('"directory_child".status = %s', ["active"])


@dataclass(frozen=True)
class Weighed:
    """A matcher candidate with the feed's own evidence added."""

    candidate: Candidate
    weight: float
    # Bits short of a perfect agreement (see ``_place``); 0 for a shielded child found by
    # ``_shielded_alike`` (it is held whatever its weight).
    shortfall: float = 0.0
    # The feed's postcode, address line or carer agrees with the candidate's.
    located: bool = False

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
    # Whether the matcher's wide blocks were read (it adds them itself when the narrow ones
    # find no strong match): a record not settled without them is looked at again with them.
    wide: bool = True


def record_place(row, *, using: str) -> Placement:
    """Decide where one incoming record (its first row) goes; see the module's rules.

    The matcher's blocking is progressive (wide blocks only when the narrow ones find no
    strong match); a record it does not settle as a link is looked at again with every
    block, so that a child renamed at home is not missed because a namesake of the new
    name was born near the same day.
    """
    placement = _place(row, using=using, wide=False)
    if placement.decision != "link" and not placement.wide:
        placement = _place(row, using=using, wide=True)
    return placement


def _place(row, *, using: str, wide: bool) -> Placement:
    query = MatchQuery(
        family_name=row["family_name"],
        given_name=row["given_name"],
        date_of_birth=row.date_of_birth,
    )
    model = match_model_current(using)
    keys = query_keys_lookup(query, using=using)
    # A perfect agreement, with the family name weighed by how common it is, and at its
    # average: a candidate whose family name agrees is measured from the first (a common
    # name agreeing proves less), one whose family name differs from the second (a rare
    # name typed, which that candidate does not carry, must not raise its bar).
    bar = query_best_weight(query, keys=keys, model=model)
    bar_other = query_best_weight(query, keys=keys, model=model, term_frequency=False)
    reach = REACH + max(0.0, bar - bar_other)
    found = candidates_rank(
        query=query, condition=_ACTIVE, limit=CANDIDATES, using=using, keys=keys, model=model,
        wide=wide, below_best=reach,
    )  # fmt: skip
    # candidates_rank reads the wide blocks itself when the narrow ones find nothing strong.
    went_wide = wide or not found or not found[0].strong
    if row["former_family_name"]:
        former = MatchQuery(row["former_family_name"], query.given_name, query.date_of_birth)
        found = _best_of(found, candidates_rank(
            query=former, condition=_ACTIVE, limit=CANDIDATES, using=using, model=model,
            wide=wide, below_best=reach,
        ))  # fmt: skip
    weighed = _weighed(found, row, bars=(bar, bar_other), using=using)
    near = tuple(w for w in weighed if w.shortfall <= NEW_MARGIN)
    # Any shielded candidate the matcher returns at all (its possible-match band, wider
    # than NEW_MARGIN) keeps the record from becoming a new child: a duplicate of a
    # shielded child would be visible, and would say where the child now lives.
    shielded = tuple(w for w in weighed if w.shielded)
    if not near and not shielded:
        shielded = _shielded_alike(query, row, using=using)
        if not shielded:
            return Placement("new", best=bar, wide=went_wide)
    top = near[0] if near else None
    runner_up = near[1].shortfall if len(near) > 1 else float("inf")
    clear = (
        top
        and top.shortfall <= LINK_MARGIN
        and runner_up - top.shortfall >= LINK_GAP
        and _linkable(top, row)
    )
    # A shielded child's update wrongly linked to another child would put where the
    # shielded child lives on a visible record: with one near, only that child is linked.
    if clear and (top.shielded or not shielded):
        return Placement("link", child=top.public_id, shielded=top.shielded, candidates=near)
    held = near + tuple(w for w in shielded if w not in near)
    return Placement("review", shielded=bool(shielded), candidates=held, best=bar, wide=went_wide)


def _linkable(top: Weighed, row) -> bool:
    """Rule (identity at national scale): a link is made by the machine only on a strong
    identity — family name as held (or a former name, or one part of it), given name as held
    (or its short form), date of birth as held (or day and month swapped) — or, when some
    detail was forgiven, where the candidate lives where the record says. A dozen children
    share every birthday and a popular given name; a sound-alike surname among them is a
    stranger more often than a typo, so without the address a forgiven slip is a person's
    decision. A given name two letters or more from the held one is never forgiven
    alone (Lola and Ella: twins)."""
    family, given, dob = top.candidate.levels
    given = _given_level(top.candidate, row)
    swapped = family == given == FAMILY_SWAPPED
    if given not in (1, 2, 3) and not swapped and name_key(row["given_name"]):
        return False
    strong = family in (1, 2, 3) and given in (1, 2) and dob in (1, 2)
    return strong or top.located


def _best_of(first: list[Candidate], second: list[Candidate]) -> list[Candidate]:
    """Both lists' candidates, each child once at its better score."""
    best: dict[str, Candidate] = {}
    for candidate in [*first, *second]:
        kept = best.get(candidate.row["public_id"])
        if kept is None or candidate.score > kept.score:
            best[candidate.row["public_id"]] = candidate
    return sorted(best.values(), key=lambda c: -c.score)


def _weighed(found: list[Candidate], row, *, bars: tuple[float, float], using: str):
    """The candidates with the feed's evidence added, nearest a perfect agreement first."""
    given = [_given_level(c, row) for c in found]
    households = _households(
        [c.row["public_id"] for c, level in zip(found, given, strict=True)
         if level in HOUSEHOLD_AGREES],
        using=using,
    )  # fmt: skip
    weighed = []
    for candidate, level in zip(found, given, strict=True):
        extra, located = _extra(candidate, row, level, households.get(candidate.row["public_id"]))
        weight = candidate.score + extra
        bar = bars[1] if candidate.levels[0] == FAMILY_DIFFERS else bars[0]
        weighed.append(Weighed(candidate, weight, shortfall=bar - weight, located=located))
    return sorted(weighed, key=lambda w: w.shortfall)


def _given_level(candidate: Candidate, row) -> int:
    """The matcher's given-name level, except that one part of a double given name (Paul
    for Sean-Paul, Katie-Louise for Louise) counts as a short form, not a different name."""
    level = candidate.levels[1]
    if level == GIVEN_OTHER:
        typed, held = _parts(row["given_name"]), _parts(candidate.row["given_name"])
        if len(typed | held) > 1 and (typed <= held or held <= typed):
            return 2
    return level


def _parts(name: str) -> set[str]:
    return {name_key(part) for part in re.split(r"[\s-]+", name) if name_key(part)}


def _extra(candidate: Candidate, row, given_level: int, household) -> tuple[float, bool]:
    """What the feed's sex, postcode, address and carer add to the matcher's weight, and
    whether the candidate lives where the record says (postcode, address or carer)."""
    seen = candidate.row
    weight = 0.0
    known = {"female", "male", "other"}
    if row.gender in known and seen["gender"] in known and row.gender != seen["gender"]:
        weight += SEX_DIFFERS
    same_postcode = bool(row["postcode"]) and _held(seen, "postcode") == row["postcode"]
    if same_postcode:
        weight += POSTCODE_AGREES
    if given_level == GIVEN_OTHER or (
        given_level == GIVEN_INITIAL and len(name_key(row["given_name"])) > 2
    ):
        weight += GIVEN_DIFFERS
    same_home = False
    if household is not None:
        address, carers = household
        same_address = bool(row["address_line_1"]) and address == row["address_line_1"].lower()
        same_carer = bool(row["carer_1_name"]) and row["carer_1_name"].lower() in carers
        same_home = same_address or same_carer
        if same_home:
            weight += HOUSEHOLD_AGREES[given_level]
    return weight, same_postcode or same_home


def _held(seen: dict, name: str) -> str:
    """A sealed detail of a matcher's candidate row, opened (the row holds it sealed)."""
    return Child.sealed_text(name, seen[f"{name}_sealed"], row=seen["public_id"])


def _households(public_ids: list[str], *, using: str) -> dict[str, tuple[str, list[str]]]:
    """Each child's first address line and carers' names, lower case, in one query."""
    if not public_ids:
        return {}
    with connections[using].cursor() as cursor:
        cursor.execute(
            """
            SELECT c.public_id, c.address_line_1_sealed,
                   array_remove(array_agg(lower(k.given_name || ' ' || k.family_name)), NULL)
            FROM directory_child c LEFT JOIN directory_carer k ON k.child_id = c.id
            WHERE c.public_id = ANY(%s) GROUP BY c.public_id, c.address_line_1_sealed
            """,
            [public_ids],
        )
        return {
            public_id: (Child.sealed_text("address_line_1", sealed, row=public_id).lower(), carers)
            for public_id, sealed, carers in cursor.fetchall()
        }


def _shielded_alike(query: MatchQuery, row, *, using: str) -> tuple[Weighed, ...]:
    """Shielded children with the record's given name (or its sound), of a sex that does not
    differ, under any family name, born on its date of birth (or day and month swapped) or
    living at its postcode: a shielded child who has moved and taken a new name, or whose
    date of birth was mistyped twice at their own address, is found by nothing else and
    must not come back as a visible new child. Narrow on purpose: at national scale (tens of
    thousands of shielded children) a wider net would send a new child in twenty to review.
    Read through ``child_shielded_dob`` and ``child_postcode``."""
    dates = [row.date_of_birth]
    if row.date_of_birth.day <= 12:
        swapped = _swapped(row.date_of_birth)
        dates += [swapped] if swapped else []
    with connections[using].cursor() as cursor:
        cursor.execute(
            """
            SELECT public_id FROM directory_child
            WHERE id IN (
                SELECT id FROM directory_child
                WHERE shielded AND date_of_birth = ANY(%s::date[])
                UNION
                SELECT id FROM directory_child WHERE postcode_index = %s AND shielded)
              AND status = 'active'
              AND dmetaphone(given_key) = dmetaphone(cp_name_key(%s))
              AND (%s = 'not_known' OR gender IN ('not_known', %s))
            LIMIT %s
            """,
            [
                dates,
                postcode_indexes(row["postcode"])[0],
                query.given_name,
                row.gender,
                row.gender,
                CANDIDATES,
            ],  # fmt: skip
        )
        ids = [public_id for (public_id,) in cursor.fetchall()]
    return tuple(
        Weighed(c, c.score) for c in candidates_score(query=query, public_ids=ids, using=using)
    )


def _swapped(value):
    try:
        return value.replace(month=value.day, day=value.month)
    except ValueError:
        return None


def exact_links(records, *, using: str) -> dict[str, int]:
    """Records that agree exactly with one child, found for the whole batch in one query:
    source record id -> child id.

    The matcher would link these too (every detail agrees), at tens of milliseconds a
    record; here a batch of hundreds of thousands costs seconds. A record qualifies when
    exactly one active child has its family name key, given name key and date of birth, and
    their sexes do not differ. (Not "the only child with that family name born that day":
    at national scale a dozen Smiths share every birthday.) Two namesakes born the same day,
    and everything else, go to ``record_place``.
    """
    if not records:
        return {}
    columns = list(
        zip(
            *(
                (r.source_record_id, r.first["family_name"], r.first["given_name"],
                 r.first.date_of_birth, r.first.gender)
                for r in records
            ),
            strict=True,
        )
    )  # fmt: skip
    with connections[using].cursor() as cursor:
        cursor.execute(
            """
            WITH k AS (
                SELECT srid, cp_name_key(family) AS fk, cp_name_key(given) AS gk, dob, sex
                FROM unnest(%s::text[], %s::text[], %s::text[], %s::date[], %s::text[])
                    AS r(srid, family, given, dob, sex)
            )
            SELECT k.srid, min(c.id)
            FROM k JOIN directory_child c
              ON c.date_of_birth = k.dob AND c.family_key = k.fk AND c.given_key = k.gk
             AND c.status = 'active'
            GROUP BY k.srid, k.sex
            HAVING count(*) = 1
               AND bool_and(k.sex = 'not_known' OR c.gender = 'not_known' OR c.gender = k.sex)
            """,
            [list(column) for column in columns],
        )
        return dict(cursor.fetchall())
