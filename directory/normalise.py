"""Normalisation of the values people search by.

Postcodes are stored in one canonical form so that "sw1a1aa", "SW1A 1AA" and " sw1a  1aa "
find the same child. Names are normalised in the database (``cp_name_key``), so that search
and storage can never disagree.
"""

import re

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
