"""Normalisation of the values people search by.

Postcodes are stored in one canonical form so that "sw1a1aa", "SW1A 1AA" and " sw1a  1aa "
find the same child. Names are normalised in the database (``cp_name_key``), so that search
and storage can never disagree. Given names have variants (``data/given_name_variants.csv``)
and a date of birth has a second reading when its day and month could have been swapped.
"""

import functools
import re
import unicodedata
from datetime import date
from pathlib import Path

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


def normalise_postcode(value: str) -> str:
    """Return the postcode upper-cased with one space before the inward code.

    Raises ValueError for anything that is not shaped like a UK postcode, so that bad input
    gets a clear error instead of a search that silently matches nothing.
    """
    compact = re.sub(r"\s+", "", value or "").upper()
    match = _POSTCODE.match(compact)
    if not match:
        raise ValueError("Enter a real postcode, like SW1A 1AA")
    return f"{match.group(1)} {match.group(2)}"


_VARIANTS_FILE = Path(__file__).resolve().parent / "data" / "given_name_variants.csv"


# Letters that Unicode does not decompose into a base letter and an accent, spelt as
# PostgreSQL's unaccent rules spell them.
_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ı": "i", "þ": "th", "ð": "d"}
)


def name_key(value: str) -> str:
    """Python's reading of ``cp_name_key``: lower case, accents removed, letters only.

    Used only to look a typed name up in the variants table and to bound an edit-distance
    search; stored keys always come from the database function, so storage and search
    cannot drift apart.
    """
    lowered = (value or "").lower().translate(_UNDECOMPOSED)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return re.sub(r"[^a-z]", "", "".join(c for c in decomposed if not unicodedata.combining(c)))


@functools.cache
def _variant_groups() -> dict[str, frozenset[str]]:
    """Each name in the table mapped to every name it shares a group with (itself included)."""
    groups: dict[str, set[str]] = {}
    for line in _VARIANTS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        group = {name_key(name) for name in line.split(",") if name_key(name)}
        for name in group:
            groups.setdefault(name, set()).update(group)
    return {name: frozenset(members) for name, members in groups.items()}


def given_name_variants(value: str) -> list[str]:
    """Keys of the names a child called ``value`` may be recorded under, ``value`` included.

    Nicknames share no letters or sounds with the formal name (Bill and William, Peggy and
    Margaret, Harry and Henry), so neither trigram nor phonetic matching can find them: only
    a table can. Sorted, so the same search always sends the same SQL.
    """
    key = name_key(value)
    return sorted(_variant_groups().get(key, {key} if key else set()))


def date_of_birth_readings(value: date) -> list[date]:
    """``value``, and the same date with day and month swapped when that is another real date.

    Rule: a date written 07/03/2014 by one system and read as 3 July by another is the
    commonest date-of-birth error between services; a search for either finds both. The
    typed reading comes first (and ranks first).
    """
    if value.day > 12 or value.day == value.month:
        return [value]
    return [value, value.replace(month=value.day, day=value.month)]
