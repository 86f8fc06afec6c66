"""Cloaking, shielding and the inbox (issue 3; docs/rules.md)."""

from .environment import env_number

# Views of one child by one enquirer within this window make one notification to each
# cloaked practitioner, not one per view.
CLOAKED_ENQUIRY_WINDOW_HOURS = env_number("CLOAKED_ENQUIRY_WINDOW_HOURS", default=24, least=1)
# Cloaked services are told from the log after the view (access/gateway/cloaked_enquiries.py).
CLOAKED_ENQUIRY_SWEEP_SECONDS = env_number("CLOAKED_ENQUIRY_SWEEP_SECONDS", default=15, least=1)
SHIELD_REASON_MIN_LENGTH = env_number("SHIELD_REASON_MIN_LENGTH", default=20, least=1)
SHIELD_OVERRIDE_REASON_MIN_LENGTH = env_number(
    "SHIELD_OVERRIDE_REASON_MIN_LENGTH", default=40, least=1
)
