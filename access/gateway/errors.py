"""What the gateway raises instead of returning data."""


class ChildNotFound(Exception):
    """No child the user may see has this id.

    Raised alike for a child that does not exist, one outside the user's scope and a user who
    may not read child data, so that nothing about existence leaks.
    """


class SearchRefused(Exception):
    """The user may not search now; ``reasons`` say why in words they can act on."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons
