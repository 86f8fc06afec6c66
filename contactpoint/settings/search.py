"""Search: how many results, how alike a name must be, and how many lookups a user may make
(no bulk export)."""

from .environment import env_number

SEARCH_RESULT_CAP = env_number("SEARCH_RESULT_CAP", default=20, least=1)
SEARCH_TRIGRAM_THRESHOLD = env_number("SEARCH_TRIGRAM_THRESHOLD", default=0.4, least=0, most=1)
# How long a process keeps the matcher's weights (access/gateway/match_model.py) before
# reading the newest estimate and the directory's size again.
MATCH_MODEL_CACHE_SECONDS = env_number("MATCH_MODEL_CACHE_SECONDS", default=600, least=0)
# Searches and record views together, per user, per window (no bulk export).
LOOKUP_RATE_LIMIT = env_number("LOOKUP_RATE_LIMIT", default=120, least=1)
LOOKUP_RATE_WINDOW_SECONDS = env_number("LOOKUP_RATE_WINDOW_SECONDS", default=15 * 60, least=1)
