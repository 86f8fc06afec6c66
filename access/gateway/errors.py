"""What the gateway raises instead of returning data."""

from contactpoint.errors import NotFound, Refused


class ChildNotFound(NotFound):
    """No child the user may see has this id.

    Raised alike for a child that does not exist, one outside the user's scope and a user who
    may not read child data, so that nothing about existence leaks.
    """


class SearchRefused(Refused):
    """The user may not search now; ``reasons`` say why in words they can act on."""
