"""The matcher: a query record in, ranked candidates with scores and per-field evidence out.

Rule (identity): the search ranks candidates by how well they match and never silently
drops the right child because one detail was mistyped. Two stages:

1. **Blocking** finds candidates cheaply, through indexes, under every common error. First
   the narrow blocks: a family name that looks or sounds alike (from the dictionary of name
   keys, including a slip in the first letter and one part of a double-barrelled name) with
   a date of birth as typed, swapped or one slip out (or, with no date, a close given name),
   and the two names the wrong way round. Only when they find no strong match, the wide
   ones: a close given name with any family name born on the day typed, or with a family
   name nearly right whatever the date (with no date, any given name). The blocks are
   unioned; scope is applied to the union by the caller's condition, exactly as strict as
   before: only children the user may see are ever candidates.
2. **Scoring** gives each field of each candidate a level of agreement in SQL and sums the
   levels' weights (``match_model``). The levels are returned, so a result can say which
   details agreed and which did not.

The same code serves searches (``search.child_search``) and, with another condition in
place of scope, the linking of incoming feed records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from contactpoint import prepared_sql
from directory.normalise import given_name_variants, name_key

from .match_model import (
    AGREEING,
    DOB_LEVELS,
    FAMILY_LEVELS,
    GIVEN_LEVELS,
    MatchModel,
    match_model_current,
)

# How many dictionary keys one typed name may expand to (closest first).
FAMILY_KEYS_LIMIT = 200
# Keys this short or shorter tolerate one keystroke's slip, longer ones two.
SHORT_NAME = 3
# The closest keys that the "close given name, any date" block reads (it serves a date of
# birth wrong beyond one slip, so it needs the name nearly right), and how many keys a
# given name typed as a family name reaches.
GIVEN_BLOCK_KEYS = 10
# The closest keys that are looked up on every date one slip away from the date typed.
NEAR_DATE_KEYS = 10
# How far (Levenshtein) a family name may be from the one typed in the wide block of
# children born on the day typed: far enough for two slips that are swapped letters.
LOOSE_REACH = 3
LOOSE_REACH_LONG = 4
LOOSE_LONG_NAME = 6
SOUNDING_KEYS_LIMIT = 20
# Bands, in bits below the best weight the typed details could reach: within STRONG_MARGIN
# is a match; within POSSIBLE_MARGIN a possible match; below, not shown at all. Nor is a
# candidate whose evidence weighs against being the child (a total below MIN_WEIGHT).
STRONG_MARGIN = 8.0
POSSIBLE_MARGIN = 20.0
MIN_WEIGHT = 0.0
# Evidence this strong is shown as a possible match however far below the best it is: a
# rare family name agreeing and a date of birth one slip out weigh this much even when the
# given name typed is another child's (odds of about 16,000 to 1 against chance).
SHOWN_ANYWAY = 14.0
# The columns a result shows; the rest of the row stays unread.
SUMMARY_COLUMNS = (
    "public_id",
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "shielded",
    "town_sealed",
    "postcode_sealed",
)
_C = '"directory_child"'

# What was typed, as SQL values every level reads (``q``): keys, sounds, name parts,
# nickname variants and the date as digits. The same text serves one search (from
# parameters) and a batch of estimation pairs (from columns), so both read alike.
QUERY_COLUMNS = """cp_name_key({family}) AS fk, dmetaphone(cp_name_key({family})) AS fph,
    cp_name_parts({family}) AS fparts, cp_transpositions(cp_name_key({family})) AS ftrans,
    ARRAY(SELECT twice FROM unnest(cp_transpositions(cp_name_key({family}))) AS once(k)
          CROSS JOIN LATERAL unnest(cp_transpositions(once.k)) AS t(twice)) AS ftrans2,
    cp_name_key({given}) AS gk, dmetaphone(cp_name_key({given})) AS gph,
    cp_transpositions(cp_name_key({given})) AS gtrans, {variants}::text[] AS gvariants,
    {dob}::date AS dob, to_char({dob}::date, 'YYYYMMDD') AS dobs,
    cp_transpositions(to_char({dob}::date, 'YYYYMMDD')) AS dobt,
    cp_transpositions(to_char({dob}::date, 'DDMMYYYY')) AS dobtu"""

# The names the wrong way round, each with at most two slips: the given name within two
# keystrokes of the family name typed, the family name within two of the given name typed.
_REVERSED = f"""(q.gk <> '' AND {_C}.family_key <> q.fk
    AND levenshtein_less_equal({_C}.given_key, q.fk, 2) <= 2
    AND (levenshtein_less_equal({_C}.family_key, q.gk, 2) <= 2
         OR {_C}.family_key = ANY(q.gtrans)))"""
# Two slips where one or both are two letters swapped (Hrdat for Hart, Mtitla for Mittal),
# which Levenshtein counts as three or four: the child's key is the typed one with two
# swaps (``q.ftrans2``: a swap undoes itself, so "the child's key with one swap is the
# typed key with one swap" is this, read from a list made once per query), or the typed
# key with one swap is one keystroke from the child's, or the child's with one swap is
# one from the typed key. The last two are at most three Levenshtein edits and change the
# length by at most one: those cheap tests go first, so that the transpositions of the
# child's key are built only for names that can pass (session 12: building them for every
# candidate was a fifth of a wide statement's CPU at 12 million children).
_TWO_SLIPS = f"""({_C}.family_key = ANY(q.ftrans2)
    OR (abs(length({_C}.family_key) - length(q.fk)) <= 1
    AND levenshtein_less_equal({_C}.family_key, q.fk, 3) <= 3
    AND (EXISTS (SELECT FROM unnest(q.ftrans) AS t(k)
                 WHERE levenshtein_less_equal({_C}.family_key, t.k, 1) <= 1)
    OR EXISTS (SELECT FROM unnest(cp_transpositions({_C}.family_key)) AS t(k)
               WHERE levenshtein_less_equal(q.fk, t.k, 1) <= 1))))"""  # noqa: S608 - constants
# The levels of match_model, tested in order: the first that holds is the level.
FAMILY_LEVEL = f"""CASE
    WHEN {_REVERSED} THEN 8
    WHEN {_C}.family_key = q.fk THEN 1
    WHEN q.fk = ANY({_C}.former_family_keys) THEN 2
    WHEN ({_C}.family_name ~ '[[:space:]-]' AND q.fk = ANY(cp_name_parts({_C}.family_name)))
      OR {_C}.family_key = ANY(q.fparts) THEN 3
    WHEN levenshtein_less_equal({_C}.family_key, q.fk, 1) <= 1
      OR {_C}.family_key = ANY(q.ftrans) THEN 4
    WHEN {_C}.family_phonetic = q.fph THEN 5
    WHEN levenshtein_less_equal({_C}.family_key, q.fk, 2) <= 2 OR {_TWO_SLIPS} THEN 6
    ELSE 7 END"""
GIVEN_LEVEL = f"""CASE
    WHEN q.gk = '' THEN 0
    WHEN {_REVERSED} THEN 8
    WHEN {_C}.given_key = q.gk THEN 1
    WHEN {_C}.given_key = ANY(q.gvariants)
      OR (length(q.gk) >= 3 AND starts_with({_C}.given_key, q.gk))
      OR (length({_C}.given_key) >= 3 AND starts_with(q.gk, {_C}.given_key)) THEN 2
    WHEN dmetaphone({_C}.given_key) = q.gph
      OR levenshtein_less_equal({_C}.given_key, q.gk, 1) <= 1
      OR {_C}.given_key = ANY(q.gtrans) THEN 3
    WHEN levenshtein_less_equal({_C}.given_key, q.gk, 2) <= 2 THEN 4
    WHEN left({_C}.given_key, 1) = left(q.gk, 1) THEN 5
    ELSE 6 END"""
DOB_LEVEL = f"""CASE
    WHEN q.dob IS NULL THEN 0
    WHEN {_C}.date_of_birth = q.dob THEN 1
    WHEN to_char({_C}.date_of_birth, 'YYYYDDMM') = q.dobs THEN 2
    WHEN levenshtein(to_char({_C}.date_of_birth, 'YYYYMMDD'), q.dobs) <= 1
      OR to_char({_C}.date_of_birth, 'YYYYMMDD') = ANY(q.dobt)
      OR to_char({_C}.date_of_birth, 'DDMMYYYY') = ANY(q.dobtu)
      OR (to_char({_C}.date_of_birth, 'MMDD') = substr(q.dobs, 5)
          AND abs(extract(year FROM {_C}.date_of_birth)::int - left(q.dobs, 4)::int) = 1) THEN 3
    WHEN levenshtein(to_char({_C}.date_of_birth, 'YYYYDDMM'), q.dobs) <= 1
      OR levenshtein(to_char({_C}.date_of_birth, 'YYYYMMDD'), q.dobs) <= 2 THEN 4
    ELSE 5 END"""
LEVELS = f"SELECT {FAMILY_LEVEL} AS fl, {GIVEN_LEVEL} AS gl, {DOB_LEVEL} AS dl"
# Rule (identity, no fishing): the page shows a candidate only when one of the names says
# something — the family name at most two keystrokes out (or sounding the same, a part, a
# former name), or the given name at most two out, or the two the wrong way round. However
# well a date of birth agrees, it never offers a child on its own.
NAMES_SAID = "(fl BETWEEN 1 AND 6 OR fl = 8 OR gl BETWEEN 1 AND 4)"
_NAME_PARTS = re.compile(r"[\s-]+")
_PLACEHOLDER = re.compile(r"\{(family|given|variants|dob)\}")


@dataclass(frozen=True)
class MatchQuery:
    """What is known of the child sought: a family name, and any of the rest."""

    family_name: str
    given_name: str = ""
    date_of_birth: date | None = None


@dataclass(frozen=True)
class Evidence:
    """What a result says about each typed field: agreed, or how it differs."""

    agreed: tuple[str, ...]
    differs: tuple[str, ...]


@dataclass(frozen=True)
class Candidate:
    """One ranked candidate: the summary columns, its weight, band and evidence."""

    row: dict
    score: float
    strong: bool
    evidence: Evidence
    # The level of agreement of family name, given name and date of birth (match_model).
    levels: tuple[int, int, int] = (0, 0, 0)


@dataclass(frozen=True)
class NameKeys:
    """A typed family name's key, how many children carry it, and the dictionary keys
    that look or sound like it (itself first)."""

    key: str
    children: int
    keys: list[str]


@dataclass(frozen=True)
class QueryKeys:
    """The dictionary keys a query reaches: by its family name, and by its given name (for
    names typed the wrong way round; None when no given name was typed)."""

    family: NameKeys
    given_as_family: NameKeys | None

    @property
    def all(self) -> list[str]:
        return self.family.keys + (self.given_as_family.keys if self.given_as_family else [])


# The keys lookup, planned once per session (``prepared_sql``): planning it cost more than
# running it (about 0.8 ms against 1 ms at 500,000 children, on every search and every feed
# record). The typed key is ``(SELECT cp_name_key(…))``, computed once per statement as an
# init-plan whose value each branch's index reads at run time (in a generic plan a bare
# ``cp_name_key(…)`` would be recomputed for every key the branches filter or sort); the
# key stays the database function's, so storage and search cannot drift apart.
_TYPED = "(SELECT cp_name_key(%(name)s))"
_KEYS_LOOKUP = f"""
    WITH near AS (
        SELECT key, 1 AS rank FROM directory_familynamekey
        WHERE phonetic = dmetaphone({_TYPED})
           OR key = ANY(%(first_letter)s::text[] || cp_name_parts(%(name)s::text))
           OR substring(key, 2) = substring({_TYPED}, 2)
           OR substring(key, 2) = {_TYPED}
        UNION ALL
        SELECT key, 1 FROM directory_familynamekey
        WHERE left(key, 1) = %(initial)s::text
          AND length(key) BETWEEN %(low)s::int AND %(high)s::int
          AND levenshtein_less_equal(key, {_TYPED}, %(slips)s::int) <= %(slips)s::int
        UNION ALL
        SELECT key, 2 FROM directory_familynamekey
        WHERE key %% {_TYPED} OR {_TYPED} <%% key
    )
    SELECT (SELECT coalesce(max(children), 0) FROM directory_familynamekey
            WHERE key = {_TYPED}),
           ARRAY(SELECT key FROM near GROUP BY key
                 ORDER BY key = {_TYPED} DESC, min(rank), similarity(key, {_TYPED}) DESC, key
                 LIMIT %(limit)s::int),
           ARRAY(SELECT key FROM directory_familynamekey
                 WHERE %(given)s::text <> '' AND (key = %(given)s::text
                    OR phonetic = dmetaphone(%(given)s::text))
                 ORDER BY key = %(given)s::text DESC, key LIMIT %(sounding)s::int)
"""  # noqa: S608 - constant fragments only
_KEYS_LOOKUP_SQL, _KEYS_LOOKUP_NAMES = prepared_sql.positional(_KEYS_LOOKUP)


def name_keys_lookup(name: str, *, using: str) -> NameKeys:
    """Family-name keys close to ``name`` (see ``query_keys_lookup``)."""
    return query_keys_lookup(MatchQuery(family_name=name), using=using).family


def query_keys_lookup(query: MatchQuery, *, using: str) -> QueryKeys:
    """The dictionary keys a query reaches, in one statement.

    By the family name (thousands of keys, not millions of children): trigram similarity,
    the same double metaphone, one or two keystrokes with the same first letter, a slip in
    the first letter (Nerry for Berry, Rpiest for Priest), and names of which it is one
    part (Jones finds Smith-Jones); closest first: the exact key, then slips and sounds,
    then the rest by similarity. By the given name, keys equal to it or sounding like it:
    where a given name typed in the family name's place is found (Jack Priestley entered
    as Priestley Jack).
    """
    key = name_key(query.family_name)
    given = name_key(query.given_name)
    if not key:
        return QueryKeys(family=NameKeys(key="", children=0, keys=[]), given_as_family=None)
    slips = 1 if len(key) <= SHORT_NAME else 2
    first_letter = [key[1] + key[0] + key[2:], key[1:]] if len(key) > 2 else []
    values = {
        "name": query.family_name,
        "given": given,
        "first_letter": first_letter,
        "initial": key[0],
        "low": len(key) - slips,
        "high": len(key) + slips,
        "slips": slips,
        "limit": FAMILY_KEYS_LIMIT,
        "sounding": SOUNDING_KEYS_LIMIT,
    }
    params = [values[name] for name in _KEYS_LOOKUP_NAMES]
    ((children, keys, sounding),) = prepared_sql.fetchall(_KEYS_LOOKUP_SQL, params, using=using)
    return QueryKeys(
        family=NameKeys(key=key, children=children, keys=list(keys)),
        given_as_family=NameKeys(key=given, children=0, keys=list(sounding)) if given else None,
    )


def dates_near(value: date) -> list[date]:
    """Real dates one slip away from ``value``: as typed, day and month swapped, one digit
    changed, two adjacent digits swapped, the year one out, and the swapped reading with
    one digit changed. The date-of-birth blocks look these up in the (date, name) index.

    Adjacent digits are read in both orders a date is written in: year first, and the
    day-first order a date is read aloud and typed in here (30/11 typed as 31/01 swaps the
    day's last digit with the month's first)."""
    digits = value.strftime("%Y%m%d")
    variants = {digits, value.strftime("%Y%d%m")}
    for source in (digits, value.strftime("%Y%d%m")):
        for i in range(8):
            variants |= {source[:i] + d + source[i + 1 :] for d in "0123456789"}
    variants |= {digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :] for i in range(7)}
    day_first = value.strftime("%d%m%Y")
    for i in range(7):
        swapped = day_first[:i] + day_first[i + 1] + day_first[i] + day_first[i + 2 :]
        variants.add(swapped[4:] + swapped[2:4] + swapped[:2])
    found = {_date_or_none(v) for v in variants}
    found |= {_shift_year(value, -1), _shift_year(value, 1)}
    found.discard(None)
    return sorted(found, key=lambda d: (d != value, d))


def _date_or_none(digits: str) -> date | None:
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def _shift_year(value: date, years: int) -> date | None:
    try:
        return value.replace(year=value.year + years)
    except ValueError:
        return value.replace(year=value.year + years, day=28)  # 29 February


def has_wide_blocks(query: MatchQuery) -> bool:
    """Wide blocks start from a given name (with a date of birth: any family name or any
    date; without one: any given name) or from a date of birth (every family-name key on
    every date one slip away; a family name up to three or four keystrokes away whatever
    its first letter, born on the day typed), so with neither there are none."""
    return bool(name_key(query.given_name)) or query.date_of_birth is not None


def candidate_blocks(
    query: MatchQuery, family: NameKeys, given_as_family: NameKeys | None, *, wide: bool = True
) -> tuple[str, list]:
    """Which children are candidates, as a condition on the child row, and its parameters.

    With a date of birth, the union of blocks: each an index path (``child_dob_names``,
    ``child_family_given``, ``child_former_dated``) whose name tests run on the index
    entries alone (cheap tests, no trigrams or sounds per row). Without one, a filter
    (``_no_date_filter``).
    """
    if not query.date_of_birth:
        return _no_date_filter(query, family, given_as_family, wide=wide)
    keys = family.keys
    given_key = name_key(query.given_name)
    blocks: list[str] = []
    params: list = []
    close, close_params = close_given_name(query, column="given_key")
    near = dates_near(query.date_of_birth)
    typed = (query.date_of_birth, _swapped(query.date_of_birth))
    exact = [d for d in near if d in typed]
    # Born on a day one slip away: in the narrow stage, with a close given name when one
    # was typed (at 12 million children every Smith born on sixty nearby days is about
    # 500 rows to fetch and check for scope; a date and a given name both wrong are two
    # slips, which the wide stage reads: every key on those days, any given name).
    near_given, near_given_params = ("", [])
    if given_key and not wide:
        near_given, near_given_params = f" AND {close}", close_params
    blocks += [
        # A family name like the one typed, born on the day typed (or swapped); the
        # closest names, born on a day one slip away (two slips at once are rarer; the
        # wide stage reads every key on those days).
        "SELECT id FROM directory_child "
        "WHERE date_of_birth = ANY(%s::date[]) AND family_key = ANY(%s::text[])",
        "SELECT id FROM directory_child "  # noqa: S608 - constant fragments only
        f"WHERE date_of_birth = ANY(%s::date[]) AND family_key = ANY(%s::text[]){near_given}",
        # A former family name like the one typed, on the same dates as the current one:
        # (date, former name) pairs looked up in child_former_dated.
        "SELECT id FROM directory_child WHERE NOT former_family_keys = '{}' "
        "AND cp_dated_keys(date_of_birth, former_family_keys) "
        "&& (cp_dated_keys_any(%s::date[], %s::text[]) "
        "|| cp_dated_keys_any(%s::date[], %s::text[]))",
    ]
    near_keys = keys if wide else keys[:NEAR_DATE_KEYS]
    params += [exact, keys, near, near_keys, *near_given_params]
    # The former names on a day one slip away: the closest keys only, in both stages. The
    # (date, former name) index is looked up once per pair, and every key on every such
    # day is some 20,000 pairs: 150 ms a record at 12 million children (session 10), for
    # a former name typed with a far slip on a mistyped date, two slips at once.
    params += [exact, keys, near, keys[:NEAR_DATE_KEYS]]
    if wide:
        # Born on the day typed (or swapped), whatever the names: one read of that day's
        # index entries, each tested for every way such a child may have been typed
        # (three blocks each reading the same entries cost three reads, session 12):
        # - the family name up to three keystrokes away (four for a name of six letters
        #   or more) whatever its first letter (the dictionary's slips keep the first
        #   letter): two slips at once, swapped letters or the first letter among them;
        # - a close given name, the family name anything (replaced, or a new surname);
        # - the names the wrong way round with the family name typed with a slip: a given
        #   name close to the family name typed.
        # The names' levels then decide whether such a child is shown (NAMES_SAID).
        reach = LOOSE_REACH_LONG if len(family.key) >= LOOSE_LONG_NAME else LOOSE_REACH
        on_the_day = ["levenshtein_less_equal(family_key, %s, %s) <= %s"]
        on_the_day_params = [family.key, reach, reach]
        if given_key:
            on_the_day += [close, "levenshtein_less_equal(given_key, %s, 2) <= 2"]
            on_the_day_params += [*close_params, family.key]
        blocks.append(
            "SELECT id FROM directory_child "  # noqa: S608 - constant fragments only
            f"WHERE date_of_birth = ANY(%s::date[]) AND ({' OR '.join(on_the_day)})"
        )
        params += [exact, *on_the_day_params]
    if wide and given_key:
        blocks += [
            # The family name nearly right and a close given name, whatever the date: a
            # name from the nickname table, or one with the typed name's initial (an index
            # range: every Jones in the country has some 140,000 given names to test
            # against Cory, and two thousand pass two keystrokes; a first letter mistyped
            # on a date far out is two slips and more).
            "SELECT id FROM directory_child "
            "WHERE family_key = ANY(%s::text[]) AND given_key = ANY(%s::text[])",
            "SELECT id FROM directory_child WHERE family_key = ANY(%s::text[]) "  # noqa: S608
            f"AND {_INITIAL_RANGE} AND (starts_with(given_key, %s) "
            "OR levenshtein_less_equal(given_key, %s, 2) <= 2)",
        ]
        block_keys = _given_block_keys(query, family)
        params += [block_keys, given_name_variants(query.given_name)]
        params += [block_keys, *_initial_bounds(given_key), given_key, given_key]
    if given_key and given_as_family and given_as_family.keys:
        # The names the wrong way round: the given name typed is the family name. In the
        # narrow stage born on the day typed (or swapped): read on any date, a given name
        # like Dylan as a family name with Jones-like given names is every Jonas and Jonah
        # Dillon in the country (150 rows to weigh at 12 million children, session 10);
        # names swapped on a mistyped date, two slips, are the wide stage's.
        # In the wide stage any date, with the typed family name's initial (as above).
        on_the_day = f"{_INITIAL_RANGE} AND " if wide else "date_of_birth = ANY(%s::date[]) AND "
        blocks.append(
            "SELECT id FROM directory_child WHERE "  # noqa: S608 - constant fragments only
            f"{on_the_day}family_key = ANY(%s::text[]) "
            "AND levenshtein_less_equal(given_key, %s, 2) <= 2"
        )
        where = list(_initial_bounds(family.key)) if wide else [exact]
        params += where + [given_as_family.keys, family.key]
    return f"{_C}.id = ANY(ARRAY({' UNION '.join(blocks)}))", params


# Given names with one initial, as a range the (family, given) and (date, family, given)
# indexes read directly; keys are lower-case letters, so under any collation the range
# holds exactly the names with that initial (the equality after it says so once more).
_INITIAL_RANGE = "given_key >= %s AND given_key < %s AND left(given_key, 1) = %s"


def _initial_bounds(key: str) -> tuple[str, str, str]:
    """The parameters of ``_INITIAL_RANGE`` for the initial of ``key``."""
    return key[0], chr(ord(key[0]) + 1), key[0]


def close_given_name(query: MatchQuery, *, column: str) -> tuple[str, list]:
    """A given name close to the one typed — a nickname or short form from the table, a
    longer name it begins, or two keystrokes away — as a test on ``column`` cheap enough to
    run on index entries (no trigrams or sounds per row), and its parameters."""
    given_key = name_key(query.given_name)
    sql = (
        f"({column} = ANY(%s::text[]) OR starts_with({column}, %s) "
        f"OR levenshtein_less_equal({column}, %s, 2) <= 2)"
    )
    return sql, [given_name_variants(query.given_name), given_key, given_key]


def _no_date_filter(
    query: MatchQuery, family: NameKeys, given_as_family: NameKeys | None, *, wide: bool
) -> tuple[str, list]:
    """Without a date of birth, the candidates as a condition on the row rather than a set
    of ids: the caller's scope narrowing (``search._scope_candidates``) already names the
    children with such a family name whom the user may see, so the planner starts from
    those instead of reading every namesake in the country.

    A family (or former) name like the one typed; in the narrow stage with a close given
    name; and the names the wrong way round.
    """
    keys = family.keys
    given_key = name_key(query.given_name)
    former = f"({_C}.former_family_keys && %s::text[] AND NOT {_C}.former_family_keys = '{{}}')"
    named = f"{_C}.family_key = ANY(%s::text[])"
    params: list = [keys]
    if given_key and not wide:
        close, close_params = close_given_name(query, column=f"{_C}.given_key")
        named += f" AND {close}"
        params += close_params
    parts = [f"({named})", former]
    params.append(keys)
    if given_key and given_as_family and given_as_family.keys:
        parts.append(
            f"({_C}.family_key = ANY(%s::text[]) "
            f"AND levenshtein_less_equal({_C}.given_key, %s, 2) <= 2)"
        )
        params += [given_as_family.keys, family.key]
    return "(" + " OR ".join(parts) + ")", params


def _given_block_keys(query: MatchQuery, family: NameKeys) -> list[str]:
    """The closest family-name keys, without the parts of a double-barrelled name typed
    (King-Edwards reaches every King and every Edwards; with a date of birth, the date
    blocks already find them)."""
    parts = {name_key(part) for part in _NAME_PARTS.split(query.family_name)} - {family.key}
    return [key for key in family.keys if key not in parts][:GIVEN_BLOCK_KEYS]


def _swapped(value: date) -> date | None:
    try:
        return value.replace(month=value.day, day=value.month)
    except ValueError:
        return None


def query_values(query: MatchQuery) -> tuple[str, list]:
    """``q``: what was typed, as one row of SQL values (see QUERY_COLUMNS), computed once.

    ``OFFSET 0`` keeps PostgreSQL from pulling the row up into the statement, which would
    put each value's expression in place of every reference to it, evaluated for every
    candidate: the date's forms (``to_char`` of a date is not immutable, so never folded
    into a constant) and their transpositions cost 7 of a wide statement's 22 ms of CPU at
    12 million children, and in a prepared (generic) plan every value would be recomputed
    so (session 12, ``bench/feed_placing.py``; docs/performance.md).
    """
    values = {
        "family": query.family_name,
        "given": query.given_name,
        "variants": given_name_variants(query.given_name),
        "dob": query.date_of_birth,
    }
    order = _PLACEHOLDER.findall(QUERY_COLUMNS)
    columns = QUERY_COLUMNS.format(family="%s", given="%s", variants="%s", dob="%s")
    return f"(SELECT {columns} OFFSET 0) AS q", [values[name] for name in order]


def candidates_rank(
    *,
    query: MatchQuery,
    condition: tuple[str, list],
    limit: int,
    using: str,
    keys: QueryKeys | None = None,
    model: MatchModel | None = None,
    wide: bool = False,
    below_best: float | None = None,
) -> list[Candidate]:
    """Candidates for ``query`` among the children that satisfy ``condition`` (SQL on the
    unaliased ``directory_child`` row, with its parameters), best first, at most ``limit``,
    none below the possible-match band.

    Blocking is progressive: the narrow blocks first (the family name nearly right); only
    when they find no strong match are the wide ones added (a close given name with any
    family name, or with any date), so that the common search, with the details right,
    pays for the narrow blocks alone. ``wide``: add them whatever the narrow ones found
    (the feeds do, when what the matcher found does not settle a record). ``below_best``:
    keep candidates down to this many bits below a perfect agreement, in place of the
    page's possible-match band (the feeds weigh evidence the matcher does not see).
    """
    model = model or match_model_current(using)
    keys = keys or query_keys_lookup(query, using=using)
    if not keys.family.key:
        return []
    weights = _weights(model, keys.family)
    best = _best_weight(query, weights)
    floor = None if below_best is None else best - below_best
    ranked = []
    if not wide:
        ranked = _ranked(
            query, keys, weights, best, condition, limit, using, wide=False, floor=floor
        )
    if (wide or not ranked or not ranked[0].strong) and has_wide_blocks(query):
        ranked = _ranked(
            query, keys, weights, best, condition, limit, using, wide=True, floor=floor
        )
    return ranked


def _ranked(
    query, keys, weights, best, condition, limit, using, *, wide, blocks=None, floor=None
) -> list[Candidate]:
    """One statement: the blocks' candidates within ``condition``, levelled and weighed.

    In the page's bands (no ``floor`` given), a candidate is shown only when a name says
    something (``NAMES_SAID``): a child is never offered on the date of birth alone. Equal
    weights are ordered by how many days the date of birth is out: a slip in the day
    leaves the child days away, a brother or sister who agrees as well is years away.
    ``OFFSET 0`` keeps PostgreSQL from copying the level expressions into the score, the
    filter and the sort key: each is computed once per candidate, and the statement plans
    in a fraction of the time.
    """
    if blocks is None:
        blocks = candidate_blocks(query, keys.family, keys.given_as_family, wide=wide)
    blocks, block_params = blocks
    q_sql, q_params = query_values(query)
    condition_sql, condition_params = condition
    columns = ", ".join(f"{_C}.{c}" for c in SUMMARY_COLUMNS)
    names_said = f" AND {NAMES_SAID}"
    sql = f"""
        SELECT {", ".join(SUMMARY_COLUMNS)}, fl, gl, dl, score FROM (
            SELECT {columns}, lv.fl, lv.gl, lv.dl,
                (%s::float8[])[lv.fl + 1] + (%s::float8[])[lv.gl + 1]
                    + (%s::float8[])[lv.dl + 1] AS score,
                abs({_C}.date_of_birth - q.dob) AS days_out
            FROM directory_child CROSS JOIN {q_sql}
                CROSS JOIN LATERAL ({LEVELS} OFFSET 0) AS lv
            WHERE {blocks} AND ({condition_sql})
            OFFSET 0
        ) AS scored
        WHERE score >= %s{names_said if floor is None else ""}
        ORDER BY score DESC, days_out, family_name, given_name, date_of_birth, public_id
        LIMIT %s"""  # noqa: S608 - this module's constant fragments; values are parameters
    params = [list(weights[0]), list(weights[1]), list(weights[2])]
    floor = shown_from(best) if floor is None else floor
    params += q_params + block_params + condition_params + [floor, limit]
    # Planned once per session only in the narrow stage with a date of birth: the candidates
    # are then a short array of ids from the blocks, whatever the values. Without a date they
    # are a condition whose best plan depends on how many namesakes there are and how many
    # children the organisation works with (a generic plan made children's services' searches
    # 1.5-2x slower at 12 million children, session 8); in the wide stage the blocks read
    # every key on many days and a generic plan cost 1.37x the CPU of planning each time
    # (session 9, bench/matcher_plans.py; the narrow stage 0.77x). docs/performance.md.
    prepare = query.date_of_birth is not None and not wide
    rows = prepared_sql.fetchall(sql, params, using=using, prepare=prepare)
    width = len(SUMMARY_COLUMNS)
    return [
        Candidate(
            row=dict(zip(SUMMARY_COLUMNS, row[:width], strict=True)),
            score=row[-1],
            strong=row[-1] >= best - STRONG_MARGIN,
            evidence=evidence_for(*row[width : width + 3]),
            levels=tuple(row[width : width + 3]),
        )
        for row in rows
    ]


def query_best_weight(
    query: MatchQuery, *, keys: QueryKeys, model: MatchModel, term_frequency: bool = True
) -> float:
    """What a candidate agreeing exactly on every detail of ``query`` would weigh: the
    yardstick that the search's bands and the feed's link thresholds are measured from.
    ``term_frequency=False``: with the family name weighed at its average, so that a
    rare name typed does not raise the bar for a candidate whose family name differs."""
    weights = _weights(model, keys.family)
    if not term_frequency:
        weights[0][1] = model.family[1]
    return _best_weight(query, weights)


def candidates_score(
    *, query: MatchQuery, public_ids: list[str], using: str, model: MatchModel | None = None
) -> list[Candidate]:
    """The children ``public_ids`` weighed against ``query`` as a search would weigh them,
    without blocking and without leaving any out, best first: for a caller that found
    them another way (the feeds' check for a shielded child under a new family name)."""
    if not public_ids:
        return []
    model = model or match_model_current(using)
    keys = query_keys_lookup(query, using=using)
    weights = _weights(model, keys.family)
    best = _best_weight(query, weights)
    return _ranked(
        query, keys, weights, best, ("TRUE", []), len(public_ids), using, wide=False,
        blocks=(f"{_C}.public_id = ANY(%s)", [list(public_ids)]), floor=float("-inf"),
    )  # fmt: skip


def shown_from(best: float) -> float:
    """The least weight shown: a strong match always is; a possible one when it is within
    the band below the best and its evidence does not weigh against it, or when its
    evidence is strong on its own (SHOWN_ANYWAY)."""
    return min(max(best - POSSIBLE_MARGIN, MIN_WEIGHT), best - STRONG_MARGIN, SHOWN_ANYWAY)


def _weights(model: MatchModel, family: NameKeys) -> tuple[list[float], ...]:
    """The model's weights, with an exact family name weighted by how common it is."""
    family_weights = list(model.family)
    family_weights[1] = model.family_exact_weight(family.children)
    return family_weights, list(model.given), list(model.dob)


def _best_weight(query: MatchQuery, weights: tuple[list[float], ...]) -> float:
    """What a candidate agreeing exactly on every typed field would weigh."""
    best = weights[0][1]
    if name_key(query.given_name):
        best += weights[1][1]
    if query.date_of_birth:
        best += weights[2][1]
    return best


def evidence_for(family_level: int, given_level: int, dob_level: int) -> Evidence:
    """Which typed details agreed and which did not, in words a practitioner reads."""
    agreed: list[str] = []
    differs: list[str] = []
    reversed_names = family_level == 8
    for field, level, labels in (
        ("family", family_level, FAMILY_LEVELS),
        ("given", given_level, GIVEN_LEVELS),
        ("dob", dob_level, DOB_LEVELS),
    ):
        if level == 0 or (reversed_names and field == "given"):
            continue
        (agreed if level in AGREEING[field] else differs).append(labels[level])
    return Evidence(agreed=tuple(agreed), differs=tuple(differs))
