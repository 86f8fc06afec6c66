"""Telephone numbers and e-mail addresses that can never reach a real person.

Landlines come from Ofcom's drama ranges (0113 496 0xxx, 0117 496 0xxx, 0161 496 0xxx,
01632 960xxx), mobiles from 07700 900xxx, and e-mail goes to subdomains of the reserved
``example.org`` / ``example.com`` domains (RFC 2606). A demo that phones or e-mails a
"practitioner" therefore cannot disturb anyone.
"""

from __future__ import annotations

import random
import re
import unicodedata

MOBILE_PREFIX = "07700 900"
RANGE_SIZE = 1000


class PhoneBook:
    """Allocates an authority's drama-range numbers in order, so each organisation and
    practitioner gets a distinct direct line (the range holds 1,000 numbers)."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.next = 0

    def number(self) -> str:
        number = f"{self.prefix}{self.next % RANGE_SIZE:03d}"
        self.next += 1
        return number


def mobile(rng: random.Random) -> str:
    return f"{MOBILE_PREFIX}{rng.randrange(RANGE_SIZE):03d}"


def ascii_slug(text: str, separator: str = "") -> str:
    """Lower-case ASCII letters and digits only, as e-mail addresses and domains need
    (Wójcik becomes wojcik, O'Brien obrien)."""
    text = text.replace("'", "").replace("\u2019", "")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", separator, folded.lower()).strip(separator)


def organisation_domain(name: str) -> str:
    return f"{ascii_slug(name, '-')}.example.org"


def personal_email(rng: random.Random, given_name: str, family_name: str) -> str:
    """A carer's own address, at a reserved domain."""
    return f"{ascii_slug(given_name)}.{ascii_slug(family_name)}{rng.randint(1, 99)}@example.com"
