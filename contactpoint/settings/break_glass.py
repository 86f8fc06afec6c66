"""Break-glass and access requests, and the separation of duties around giving access
(docs/break-glass.md, access/provisioning/)."""

from .environment import env_number

# Separation of duties (access/provisioning/): a reader change lapses unapproved after this.
PROVISIONING_REQUEST_HOURS = env_number("PROVISIONING_REQUEST_HOURS", default=72, least=1)
# An approved e-mail change waits this long for the account holder to confirm it.
PROVISIONING_OWNER_HOURS = env_number("PROVISIONING_OWNER_HOURS", default=168, least=1)
# After an approved second-factor reset: how long the one-time enrolment code works, and how
# many wrong tries void it (access/sign_in/enrolment_codes.py).
ENROLMENT_CODE_HOURS = env_number("ENROLMENT_CODE_HOURS", default=72, least=1)
ENROLMENT_CODE_MAX_FAILURES = env_number("ENROLMENT_CODE_MAX_FAILURES", default=5, least=1)
GRANT_MINUTES = env_number("GRANT_MINUTES", default=60, least=1)
GRANT_CHOOSE_WITHIN_MINUTES = env_number("GRANT_CHOOSE_WITHIN_MINUTES", default=30, least=1)
JUSTIFICATION_MIN_LENGTH = env_number("JUSTIFICATION_MIN_LENGTH", default=40, least=1)
JUDGEMENT_WORKING_DAYS = env_number("JUDGEMENT_WORKING_DAYS", default=2, least=1)
DIRECTORY_SEARCH_CAP = env_number("DIRECTORY_SEARCH_CAP", default=10, least=1)
# Whole-directory searches one break-glass or approved request may make (issue 14, finding 3):
# an emergency is about one child, so a handful of attempts at the spelling is enough.
BREAK_GLASS_SEARCHES_PER_REQUEST = env_number(
    "BREAK_GLASS_SEARCHES_PER_REQUEST", default=5, least=1
)
