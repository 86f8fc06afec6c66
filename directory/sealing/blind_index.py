"""The keyed blind index: how a postcode is found without being stored.

Rule (search still works): a practitioner types a full postcode or its outward part, and the
children there are found through an index. The index holds HMAC-SHA-256 of the normalised
value under the index key (a data key of its own purpose, never the one that seals values),
cut to 64 bits: equal postcodes have equal index values, and without the key nobody can
compute the value of a guessed postcode, so a dump cannot be searched by trying all of them.
What it does leak (which rows share a postcode) is in docs/encryption.md.
"""

from __future__ import annotations

import hashlib
import hmac

from directory.normalise import normalise_postcode


def _index(key: bytes, kind: str, value: str) -> int:
    digest = hmac.new(key, f"{kind}|{value}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def postcode_index(key: bytes, postcode: str) -> int | None:
    """The index value of a full postcode (None for none)."""
    if not postcode:
        return None
    return _index(key, "postcode", _normalised(postcode))


def outward_index(key: bytes, postcode: str) -> int | None:
    """The index value of a postcode's outward part ('LS1' of 'LS1 4AP'); a postcode typed as
    its outward part alone gives the same value."""
    if not postcode:
        return None
    return _index(key, "outward", _normalised(postcode).split(" ")[0])


def _normalised(postcode: str) -> str:
    text = postcode.strip().upper()
    if " " not in text and len(text) <= 4:
        return text
    try:
        return normalise_postcode(text)
    except ValueError:
        return " ".join(text.split())
