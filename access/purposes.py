"""Why a user is looking: every search and record view states a purpose, and it is audited."""

from django.db import models

from access.models import AccessRequest


class Purpose(models.TextChoices):
    CURRENT_INVOLVEMENT = "current_involvement", "I am currently working with this child"
    REFERRAL = "referral", "Making or receiving a referral"
    SAFEGUARDING_CONCERN = "safeguarding_concern", "Safeguarding concern"
    COORDINATING_SERVICES = "coordinating_services", "Co-ordinating services for the child"
    EMERGENCY = "emergency", "Emergency"


# Words for pages that report lookups, where the first-person answer to the question ("I am
# currently working with this child") would read as the reader's own; and why a data manager
# read a child's audit trail (``gateway.reports``), which the system records itself.
_RECORDED_PURPOSES = {
    Purpose.CURRENT_INVOLVEMENT.value: "Currently working with the child",
    "subject_access_request": "Subject access request",
}


def purpose_label(value: str) -> str:
    """The words for a purpose as the log holds it, for pages people read (issue 17, point 5):
    never a raw code such as ``current_involvement``. Besides the purposes a user states, the
    log holds access requests' reasons (``AccessRequest.Reason``: a request's events used its
    reason as their purpose) and the system's own; anything else is made readable."""
    if value in _RECORDED_PURPOSES:
        return _RECORDED_PURPOSES[value]
    if value in Purpose.values:
        return Purpose(value).label
    if value in AccessRequest.Reason.values:
        return AccessRequest.Reason(value).label
    return value.replace("_", " ").capitalize()
