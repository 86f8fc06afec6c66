"""Logging filters that keep child data out of logs."""

import logging
import re

_QUERY = re.compile(r"\?[^\s\"']*")


class StripQueryString(logging.Filter):
    """Remove query strings from every log message.

    Search criteria (family name, date of birth, postcode) arrive as GET parameters because
    the outside contract says so; a request log that kept them would be a second, unaudited
    copy of who was looked for.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg = _QUERY.sub("?[redacted]", message)
            record.args = None
        return True
