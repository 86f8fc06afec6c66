"""Clerical errors, made independently of the search they are used to test.

Nothing here comes from the application (its normaliser, its nickname table, its search):
an error generator built from the matcher's own knowledge only measures that the matcher
knows itself. The lists are in ``lists.py``.

Each kind takes a true child record and returns what a practitioner typed instead, or
None when the kind cannot apply to that child (a day above 12 cannot be swapped with the
month). A query may still be something the search form refuses (a 31st of February from a
mistyped digit); the benchmark counts those and does not search them.

Rates, where the kind has a choice to make:

- **one edit or two**: one edit four times in five, two edits otherwise. Damerau's study
  of misspellings (Communications of the ACM, 1964) found about 80 % of them to be a single
  insertion, deletion, substitution or transposition; studies of names in administrative
  records since have found the same order of things.
- **which edit**: substitution 35 %, deletion 25 %, insertion 20 %, transposition 20 %; a
  substituted or inserted letter is a neighbour on the keyboard four times in five, any
  letter otherwise. This split is a judgement, not a measurement.
- **dates** are typed day, month, year (DD/MM/YYYY, as forms in England ask): a wrong digit
  can land anywhere in the eight, and is a neighbour on the number row seven times in ten.
- **two errors at once**: two different kinds drawn with the weights in ``PAIR_WEIGHTS``:
  slips of the keyboard in names and in dates of birth, which the record-linkage
  literature on health and census data describes as the most common errors, weigh most;
  a replaced name or a compound name least. The weights are a judgement. In that literature
  records with two wrong fields are a minority of the records with any error; here they
  get as many queries as every other kind and are reported on their own row, so the rate
  at which they occur does not change any row, only the unweighted totals, which the
  benchmark labels as unweighted.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from .lists import (
    ASCII_FOLD,
    DIGIT_ROW,
    KEY_ROWS,
    NICKNAMES,
    OTHER_FAMILY,
    OTHER_GIVEN,
    PARTICLES,
    TRANSLITERATIONS,
)

FAMILY, GIVEN, DOB = "family", "given", "dob"
TWO_EDITS_SHARE = 0.2
EDIT_WEIGHTS = {"substitute": 0.35, "delete": 0.25, "insert": 0.2, "transpose": 0.2}
KEYBOARD_SHARE = 0.8
DIGIT_NEIGHBOUR_SHARE = 0.7
SHORT_GIVEN = 4


@dataclass(frozen=True, slots=True)
class Person:
    """A child as the directory holds it."""

    family: str
    given: str
    dob: date
    gender: str


@dataclass(frozen=True, slots=True)
class Query:
    """What was typed. The date of birth is (year, month, day) as typed, which need not be
    a real date; ``changed`` names the fields that differ from the record."""

    family: str
    given: str
    dob: tuple[int, int, int]
    changed: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, person: Person) -> Query:
        dob = person.dob
        return cls(person.family, person.given, (dob.year, dob.month, dob.day))

    @property
    def dob_text(self) -> str:
        year, month, day = self.dob
        return f"{year:04d}-{month:02d}-{day:02d}"

    def with_(self, name: str, value) -> Query:
        return replace(self, **{name: value}, changed=self.changed | {name})


def _keyboard() -> dict[str, str]:
    """Each letter's neighbours on a staggered QWERTY keyboard: beside it, the two keys
    above (at its column and the next) and the two below (the previous column and its)."""
    near: dict[str, str] = {}
    for r, row in enumerate(KEY_ROWS):
        for c, key in enumerate(row):
            keys = [row[c - 1] if c else "", row[c + 1] if c + 1 < len(row) else ""]
            if r > 0:
                keys += [KEY_ROWS[r - 1][c], KEY_ROWS[r - 1][c + 1]]
            if r + 1 < len(KEY_ROWS):
                below = KEY_ROWS[r + 1]
                keys += [below[c - 1] if 0 < c <= len(below) else "", below[c : c + 1]]
            near[key] = "".join(k for k in keys if k)
    return near


NEIGHBOURS = _keyboard()
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _slip(letter: str, rng: random.Random) -> str:
    """A letter typed instead of ``letter``: usually a neighbour, sometimes any letter."""
    lower = letter.lower()
    if lower in NEIGHBOURS and rng.random() < KEYBOARD_SHARE:
        return rng.choice(NEIGHBOURS[lower])
    return rng.choice([c for c in LETTERS if c != lower])


def _recase(new: str, old: str) -> str:
    """Typed names start with a capital where the record's did, the rest as typed."""
    if old[:1].isupper() and new[:1].islower():
        return new[:1].upper() + new[1:2].lower() + new[2:]
    return new


def _edit(word: str, rng: random.Random, *, start: int) -> str:
    """One insertion, deletion, substitution or transposition at a letter from ``start``."""
    spots = [i for i in range(start, len(word)) if word[i].isalpha()]
    if not spots:
        return word
    op = rng.choices(list(EDIT_WEIGHTS), weights=list(EDIT_WEIGHTS.values()))[0]
    i = rng.choice(spots)
    if op == "transpose":
        pairs = [j for j in spots if j + 1 < len(word) and word[j + 1].isalpha()]
        pairs = [j for j in pairs if word[j].lower() != word[j + 1].lower()]
        if pairs:
            j = rng.choice(pairs)
            swapped = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
            return _recase(swapped.lower(), word) if j == 0 else swapped
        op = "substitute"
    if op == "delete" and len(word) > 2:
        return _recase(word[:i] + word[i + 1 :], word)
    if op == "insert":
        extra = word[i].lower() if rng.random() < 0.5 else _slip(word[i], rng)
        return word[: i + 1] + extra + word[i + 1 :]
    new = _slip(word[i], rng)
    return word[:i] + (new.upper() if word[i].isupper() else new) + word[i + 1 :]


def typo(word: str, rng: random.Random, *, start: int = 0) -> str | None:
    """One edit (or, one time in five, two) from ``start`` on; None if none changes it."""
    edits = 2 if rng.random() < TWO_EDITS_SHARE else 1
    for _ in range(10):
        typed = word
        for _ in range(edits):
            typed = _edit(typed, rng, start=start)
        if typed.lower() != word.lower():
            return typed
    return None


def _letters(name: str) -> int:
    return sum(c.isalpha() for c in name)


# Kinds ------------------------------------------------------------------------------------


def exact(q: Query, person: Person, rng: random.Random) -> Query:
    return q


def given_typo(q: Query, person: Person, rng: random.Random) -> Query | None:
    typed = typo(q.given, rng) if _letters(q.given) >= 2 else None
    return q.with_(GIVEN, typed) if typed else None


def family_first_letter(q: Query, person: Person, rng: random.Random) -> Query | None:
    """Nerry for Berry (a neighbour of the first letter), Rpiest for Priest (the first two
    swapped): the slips a first-letter block or index never sees."""
    name = q.family
    if len(name) < 3 or not name[:2].isalpha():
        return None
    if rng.random() < 0.5 and name[0].lower() != name[1].lower():
        typed = _recase((name[1] + name[0]).lower() + name[2:], name)
    else:
        new = _slip(name[0], rng)
        typed = (new.upper() if name[0].isupper() else new) + name[1:]
    return q.with_(FAMILY, typed)


def family_typo(q: Query, person: Person, rng: random.Random) -> Query | None:
    typed = typo(q.family, rng, start=1) if _letters(q.family) >= 3 else None
    return q.with_(FAMILY, typed) if typed else None


def _digits(dob: tuple[int, int, int]) -> str:
    year, month, day = dob
    return f"{day:02d}{month:02d}{year:04d}"


def _from_digits(text: str) -> tuple[int, int, int]:
    return int(text[4:]), int(text[2:4]), int(text[:2])


def _wrong_digit(dob: tuple[int, int, int], rng: random.Random, spots: range) -> tuple:
    text = _digits(dob)
    i = rng.choice(spots)
    at = DIGIT_ROW.index(text[i])
    near = [DIGIT_ROW[j] for j in (at - 1, at + 1) if 0 <= j < len(DIGIT_ROW)]
    if rng.random() < DIGIT_NEIGHBOUR_SHARE:
        new = rng.choice(near)
    else:
        new = rng.choice([d for d in DIGIT_ROW if d != text[i]])
    return _from_digits(text[:i] + new + text[i + 1 :])


def dob_digit(q: Query, person: Person, rng: random.Random) -> Query:
    return q.with_(DOB, _wrong_digit(q.dob, rng, range(8)))


def dob_transpose(q: Query, person: Person, rng: random.Random) -> Query | None:
    text = _digits(q.dob)
    spots = [i for i in range(7) if text[i] != text[i + 1]]
    if not spots:
        return None
    i = rng.choice(spots)
    return q.with_(DOB, _from_digits(text[:i] + text[i + 1] + text[i] + text[i + 2 :]))


def dob_year(q: Query, person: Person, rng: random.Random) -> Query:
    year, month, day = q.dob
    return q.with_(DOB, (year + rng.choice((-1, 1)), month, day))


def _day_month_swapped(dob: tuple[int, int, int]) -> tuple[int, int, int] | None:
    year, month, day = dob
    return (year, day, month) if day <= 12 and day != month else None


def dob_day_month(q: Query, person: Person, rng: random.Random) -> Query | None:
    swapped = _day_month_swapped(q.dob)
    return q.with_(DOB, swapped) if swapped else None


def dob_day_month_typo(q: Query, person: Person, rng: random.Random) -> Query | None:
    swapped = _day_month_swapped(q.dob)
    return q.with_(DOB, _wrong_digit(swapped, rng, range(4))) if swapped else None


def names_swapped(q: Query, person: Person, rng: random.Random) -> Query | None:
    if not q.given or q.given.lower() == q.family.lower():
        return None
    return q.with_(FAMILY, q.given).with_(GIVEN, q.family)


def given_replaced(q: Query, person: Person, rng: random.Random) -> Query:
    names = OTHER_GIVEN.get(person.gender) or OTHER_GIVEN["female"] + OTHER_GIVEN["male"]
    return q.with_(GIVEN, rng.choice([n for n in names if n.lower() != q.given.lower()]))


def family_replaced(q: Query, person: Person, rng: random.Random) -> Query:
    return q.with_(FAMILY, rng.choice([n for n in OTHER_FAMILY if n.lower() != q.family.lower()]))


def _parts(name: str) -> list[str]:
    return [p for p in re.split(r"[- ]+", name) if p]


def compound_part(q: Query, person: Person, rng: random.Random) -> Query | None:
    """Smith-Jones typed as Smith or Jones, Van der Berg as Berg, Anne-Marie as Anne."""
    fields = [f for f in (FAMILY, GIVEN) if len(_parts(getattr(q, f))) > 1]
    if not fields:
        return None
    name = rng.choice(fields)
    parts = _parts(getattr(q, name))
    core = [p for p in parts if p.lower() not in PARTICLES] or parts
    part = rng.choice((core[0], core[-1]))
    if _letters(part) < 2:
        return None
    return q.with_(name, part[:1].upper() + part[1:])


def compound_joined(q: Query, person: Person, rng: random.Random) -> Query | None:
    """O'Brien as OBrien or Obrien, Van der Berg as Vanderberg, Smith-Jones as Smith Jones."""
    fields = [f for f in (FAMILY, GIVEN) if re.search(r"[-' ]", getattr(q, f))]
    if not fields:
        return None
    name = rng.choice(fields)
    value = getattr(q, name)
    roll = rng.random()
    if re.search(r"[- ]", value) and roll < 0.3:
        typed = value.translate(str.maketrans({"-": " ", " ": "-"}))
    elif roll < 0.65:
        typed = re.sub(r"[-' ]", "", value)
    else:
        typed = re.sub(r"[-' ]", "", value).capitalize()
    return q.with_(name, typed) if typed != value else None


def _spellings(name: str) -> list[str]:
    for group in TRANSLITERATIONS:
        if name.lower() in (g.lower() for g in group):
            return [g for g in group if g.lower() != name.lower()]
    return []


def ascii_fold(name: str) -> str:
    """Łukasz as Lukasz, João as Joao: what a keyboard without those letters types."""
    name = "".join(ASCII_FOLD.get(c, c) for c in name)
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


def transliteration(q: Query, person: Person, rng: random.Random) -> Query | None:
    """Another Latin spelling (Mohammed for Muhammad) or the accents dropped."""
    options = []
    for name in (FAMILY, GIVEN):
        value = getattr(q, name)
        options += [(name, other) for other in _spellings(value)]
        if ascii_fold(value) != value:
            options.append((name, ascii_fold(value)))
    if not options:
        return None
    name, typed = rng.choice(options)
    return q.with_(name, typed)


def _formal_names() -> dict[str, str]:
    """Nickname -> formal name, for nicknames of one formal name only (Alex stays Alex:
    Alexander or Alexandra?)."""
    formal: dict[str, list[str]] = {}
    for name, short in NICKNAMES.items():
        for nick in short:
            formal.setdefault(nick.lower(), []).append(name)
    return {nick: names[0] for nick, names in formal.items() if len(names) == 1}


FORMAL_OF = _formal_names()


def nickname(q: Query, person: Person, rng: random.Random) -> Query | None:
    """Bill for William; or, for a child recorded as Alfie, Alfred."""
    if q.given in NICKNAMES:
        return q.with_(GIVEN, rng.choice(NICKNAMES[q.given]))
    if q.given.lower() in FORMAL_OF:
        return q.with_(GIVEN, FORMAL_OF[q.given.lower()])
    return None


def _has_nickname(given: str) -> bool:
    return given in NICKNAMES or given.lower() in FORMAL_OF


def _compound_name(person: Person) -> bool:
    return bool(re.search(r"[-' ]", person.family + person.given))


def _has_variant(person: Person) -> bool:
    return any(
        _spellings(name) or ascii_fold(name) != name for name in (person.family, person.given)
    )


@dataclass(frozen=True)
class Kind:
    """A kind of error: how to make it, which children it can apply to (a cheap test that
    narrows the draw), and the sets of fields it may change (a query shape needs them)."""

    name: str
    make: Callable[[Query, Person, random.Random], Query | None]
    changes: tuple[frozenset[str], ...]
    eligible: Callable[[Person], bool] = lambda person: True


def _one(*fields: str) -> tuple[frozenset[str], ...]:
    return tuple(frozenset({f}) for f in fields)


SINGLE_KINDS = (
    Kind("given typo", given_typo, _one(GIVEN)),
    Kind(
        "given typo, short name",
        given_typo,
        _one(GIVEN),
        lambda p: 2 <= len(p.given) <= SHORT_GIVEN and p.given.isalpha(),
    ),
    Kind("family first letter", family_first_letter, _one(FAMILY)),
    Kind("family typo", family_typo, _one(FAMILY)),
    Kind("dob wrong digit", dob_digit, _one(DOB)),
    Kind("dob digits transposed", dob_transpose, _one(DOB)),
    Kind("dob year off by one", dob_year, _one(DOB)),
    Kind("dob day/month swapped", dob_day_month, _one(DOB), lambda p: p.dob.day <= 12),
    Kind("dob swapped + digit", dob_day_month_typo, _one(DOB), lambda p: p.dob.day <= 12),
    Kind("names swapped", names_swapped, (frozenset({FAMILY, GIVEN}),)),
    Kind("given replaced", given_replaced, _one(GIVEN)),
    Kind("family replaced", family_replaced, _one(FAMILY)),
    Kind("compound: one part", compound_part, _one(FAMILY, GIVEN), _compound_name),
    Kind("compound: joined", compound_joined, _one(FAMILY, GIVEN), _compound_name),
    Kind("transliteration", transliteration, _one(FAMILY, GIVEN), _has_variant),
    Kind("nickname", nickname, _one(GIVEN), lambda p: _has_nickname(p.given)),
)
# How often each single kind is drawn into a pair (see the module's docstring).
PAIR_WEIGHTS = {
    "given typo": 3,
    "family typo": 3,
    "family first letter": 1,
    "dob wrong digit": 2,
    "dob digits transposed": 2,
    "dob year off by one": 1,
    "dob day/month swapped": 1,
    "names swapped": 1,
    "given replaced": 0.5,
    "family replaced": 0.5,
    "compound: one part": 0.5,
    "compound: joined": 0.5,
    "transliteration": 1,
    "nickname": 2,
}
_BY_NAME = {kind.name: kind for kind in SINGLE_KINDS}


def two_errors(q: Query, person: Person, rng: random.Random) -> Query | None:
    """Two different kinds, drawn by ``PAIR_WEIGHTS``, the second applied to what the first
    typed; another pair is drawn when one of them cannot apply to this child."""
    names, weights = list(PAIR_WEIGHTS), list(PAIR_WEIGHTS.values())
    for _ in range(20):
        first, second = rng.choices(names, weights=weights, k=2)
        if first == second:
            continue
        once = _BY_NAME[first].make(q, person, rng)
        twice = _BY_NAME[second].make(once, person, rng) if once else None
        if twice:
            return twice
    return None


_ALL_FIELDS = (frozenset({FAMILY}), frozenset({GIVEN}), frozenset({DOB}))
KINDS = (
    Kind("exact (control)", exact, (frozenset(),)),
    *SINGLE_KINDS,
    Kind("two errors", two_errors, _ALL_FIELDS),
)
