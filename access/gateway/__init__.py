"""The one gateway for child data.

Every read of a child — search results, the record page, later the API and reports — goes
through this package, which applies vetting, scope, shielding and cloaking and writes the
audit event in the same transaction as the read. A test fails if any other module queries
the child models.
"""

from .errors import ChildNotFound, SearchRefused
from .records import ChildRecord, child_get_for_user
from .reports import ChildViewersReport, ViewerLine, child_viewers_report
from .search import ChildSummary, SearchCriteria, SearchResult, child_search

__all__ = [
    "ChildNotFound",
    "ChildRecord",
    "ChildSummary",
    "SearchCriteria",
    "SearchRefused",
    "SearchResult",
    "child_get_for_user",
    "child_search",
    "ChildViewersReport",
    "ViewerLine",
    "child_viewers_report",
]
