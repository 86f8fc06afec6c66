"""Feeds (issue 12; docs/feeds.md): uploads and the matcher's workers."""

from .environment import env_number

# The largest file the feeds page accepts (bytes). The file waits in the database until the
# worker has imported it, so this bounds what one upload can hold there.
FEED_UPLOAD_MAX_BYTES = env_number("FEED_UPLOAD_MAX_BYTES", default=200 * 1024 * 1024, least=1)
# Connections that place a feed's records through the matcher at once (one core each, in
# PostgreSQL): the records the bulk passes leave (directory/feeds/placing.py).
FEED_LINK_WORKERS = env_number("FEED_LINK_WORKERS", default=2, least=1)
