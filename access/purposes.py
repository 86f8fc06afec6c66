"""Why a user is looking: every search and record view states a purpose, and it is audited."""

from django.db import models


class Purpose(models.TextChoices):
    CURRENT_INVOLVEMENT = "current_involvement", "I am currently working with this child"
    REFERRAL = "referral", "Making or receiving a referral"
    SAFEGUARDING_CONCERN = "safeguarding_concern", "Safeguarding concern"
    COORDINATING_SERVICES = "coordinating_services", "Co-ordinating services for the child"
    EMERGENCY = "emergency", "Emergency"
