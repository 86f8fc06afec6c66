"""Feeds (issue 12; docs/feeds.md): uploads and the matcher's workers."""

from .environment import env_number

# The largest file the feeds page accepts (bytes). The file waits in the database until the
# worker has imported it, so this bounds what one upload can hold there.
FEED_UPLOAD_MAX_BYTES = env_number("FEED_UPLOAD_MAX_BYTES", default=200 * 1024 * 1024, least=1)
# Connections that place a feed's records through the matcher at once: the records the bulk
# passes leave (directory/feeds/placing.py); the exact pass of a large file is split into as
# many shares. Each keeps a PostgreSQL backend busy most of the time, not all of it (the
# importer's Python in between); on two cores, 4 placed 51-56 records a second where 2
# placed 45-51 in a dry run of the placing (session 10, 12M children), though in whole
# imports the two were alike (600-636 s for 33,316 records).
# Set it to the cores the database may give an import.
FEED_LINK_WORKERS = env_number("FEED_LINK_WORKERS", default=4, least=1)
