"""What services raise instead of returning something, and how a page answers each.

Two kinds, shared by every app so that one place maps them to pages
(``access.middleware.ErrorPageMiddleware``, ``directory.views.gateway_error_response``):

- ``NotFound``: nothing this user may see has this id. Answered with the one 404 page, so
  that missing, out of scope and hidden look the same (Rule: out of scope looks like not
  found).
  ``NotForRole`` is the same answer for a page the user's role may not use.
- ``Refused``: the user may not do this now; ``reasons`` say why in words they can act on.
  A view that shows the reasons beside its form catches its own refusal; any other refusal
  gets the refused page (403) with the reasons.

A database failure (the read, or the audit write before it) is the third way a page shows
nothing: the 503 page (Rule: audit before data, failure is closed).
"""

from __future__ import annotations


class NotFound(Exception):
    """Nothing this user may see has this id (the same answer as one that does not exist)."""


class NotForRole(NotFound):
    """The page is not for this user's role. Rule (one for every page): a page a role may not
    use answers the shared 404, as if it did not exist; a page the role may use but that has
    nothing in it yet (no team, no requests) shows its empty state (200)."""


class Refused(Exception):
    """The user may not do this now; ``reasons`` say why, ``reason`` in one sentence."""

    def __init__(self, reasons: list[str] | str):
        self.reasons = [reasons] if isinstance(reasons, str) else list(reasons)
        super().__init__("; ".join(self.reasons))

    @property
    def reason(self) -> str:
        return " ".join(self.reasons)
