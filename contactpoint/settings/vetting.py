"""Vetting and accounts (docs/rules.md, "Vetting"): how long each check lasts, when people are
reminded, when unused accounts are disabled and recertification is chased."""

from .environment import env_number

VETTING_DBS_VALID_DAYS = env_number("VETTING_DBS_VALID_DAYS", default=3 * 365, least=1)
VETTING_TRAINING_VALID_DAYS = env_number("VETTING_TRAINING_VALID_DAYS", default=365, least=1)
VETTING_AGREEMENT_VALID_DAYS = env_number("VETTING_AGREEMENT_VALID_DAYS", default=365, least=1)
# Vetting as evidence (issue 14): the user and their organisation's admins hear this many days
# before an item lapses; an account unused this long is disabled; a quarter's recertification
# left undone this long after the quarter ends is chased.
VETTING_REMINDER_DAYS = env_number("VETTING_REMINDER_DAYS", default=30, least=1)
ACCOUNT_IDLE_DAYS = env_number("ACCOUNT_IDLE_DAYS", default=90, least=1)
RECERTIFICATION_GRACE_DAYS = env_number("RECERTIFICATION_GRACE_DAYS", default=14, least=1)
