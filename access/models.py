"""Users, their roles and vetting, and the sessions they hold."""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    """What a user does. Roles that read child data contain the word ``practitioner``, except
    the local-authority data manager, who works on their authority's records."""

    PRACTITIONER = "practitioner", "Practitioner"
    SUPERVISING_PRACTITIONER = "supervising_practitioner", "Supervising practitioner"
    CHILD_PROTECTION_PRACTITIONER = (
        "child_protection_practitioner",
        "Child-protection practitioner",
    )
    SUPERVISOR = "supervisor", "Supervisor"
    DATA_MANAGER = "data_manager", "Local-authority data manager"
    AUDITOR = "auditor", "Auditor"
    ORG_ADMIN = "org_admin", "Organisation admin"
    SYSTEM_ADMIN = "system_admin", "System admin"


CHILD_READER_ROLES = frozenset(
    {
        Role.PRACTITIONER,
        Role.SUPERVISING_PRACTITIONER,
        Role.CHILD_PROTECTION_PRACTITIONER,
        Role.DATA_MANAGER,
    }
)
ADMIN_ROLES = frozenset({Role.ORG_ADMIN, Role.SYSTEM_ADMIN})


class User(AbstractUser):
    """A person who signs in. Passwords are only ever set by their owner (via reset)."""

    organisation = models.ForeignKey(
        "directory.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField(max_length=40, choices=Role.choices, default=Role.PRACTITIONER)
    job_title = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    supervisor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="team"
    )
    dbs_checked_on = models.DateField(null=True, blank=True, verbose_name="enhanced DBS check")
    training_completed_on = models.DateField(null=True, blank=True)
    agreement_signed_on = models.DateField(null=True, blank=True, verbose_name="user agreement")

    class Meta:
        permissions = [("reset_second_factor", "Can reset a user's second factor")]

    @property
    def reads_child_data(self) -> bool:
        return self.role in CHILD_READER_ROLES


def _expired(on: date | None, valid_days: int, today: date) -> bool:
    return on is None or on + timedelta(days=valid_days) < today


def vetting_problems(user: User, *, today: date) -> list[str]:
    """Why ``user`` may not search today, in words they can act on; empty when they may.

    Rule: a user searches only while their organisation is accredited and their own enhanced
    DBS check, training and signed user agreement are current.
    """
    problems = []
    org = user.organisation
    if org is None or not org.accredited:
        problems.append("Your organisation is not accredited to use ContactPoint.")
    if _expired(user.dbs_checked_on, settings.VETTING_DBS_VALID_DAYS, today):
        problems.append("Your enhanced DBS check is missing or more than 3 years old.")
    if _expired(user.training_completed_on, settings.VETTING_TRAINING_VALID_DAYS, today):
        problems.append("Your ContactPoint training is missing or has expired.")
    if _expired(user.agreement_signed_on, settings.VETTING_AGREEMENT_VALID_DAYS, today):
        problems.append("Your signed user agreement is missing or has expired.")
    return problems


class UserSession(models.Model):
    """Which session keys belong to which user, so deactivation can end every session."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    started_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Session of user {self.user_id} since {self.started_at:%Y-%m-%d %H:%M}"
