"""Opaque public identifiers for children.

Sequential ids in URLs let anyone count the directory or walk it; a child's public id is 16
random bytes from the OS's CSPRNG, shown in a readable base32 form.
"""

import base64
import secrets


def new_public_id() -> str:
    """Return a fresh random id such as ``k3m9-...`` (26 lowercase base32 characters)."""
    raw = base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=").lower()
    return raw
