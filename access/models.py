"""Users, their roles and vetting, and the sessions they hold."""

import operator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import reduce

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property

from directory.models import Organisation
from directory.sealing.fields import SealedModel, SealedQuerySet, sealed_json


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

# Rule (role ceilings): which roles an organisation may hold depends on what it is, so that
# nobody — an organisation admin included — can turn a teacher into a child-protection
# practitioner. Every organisation has practitioners, people who supervise them and an admin.
# Only a local authority's children's services hold the authority's powers: overriding a
# shield (child protection), managing shields and seeing shielded children in full (data
# managers), and reading every alert (auditors). System admins, and auditors working
# nationally, belong to no organisation. A kind missing here may hold nothing (fails closed).
_EVERY_ORGANISATION = frozenset(
    {Role.PRACTITIONER, Role.SUPERVISING_PRACTITIONER, Role.SUPERVISOR, Role.ORG_ADMIN}
)
_AUTHORITY_ONLY = frozenset({Role.CHILD_PROTECTION_PRACTITIONER, Role.DATA_MANAGER, Role.AUDITOR})
_Kind = Organisation.Kind
ROLE_CEILINGS: dict[str | None, frozenset[Role]] = {
    _Kind.SCHOOL: _EVERY_ORGANISATION,
    _Kind.GP_PRACTICE: _EVERY_ORGANISATION,
    _Kind.HEALTH_SERVICE: _EVERY_ORGANISATION,
    _Kind.POLICE: _EVERY_ORGANISATION,
    _Kind.YOUTH_OFFENDING: _EVERY_ORGANISATION,
    _Kind.VOLUNTARY: _EVERY_ORGANISATION,
    _Kind.LA_CHILDRENS_SERVICES: _EVERY_ORGANISATION | _AUTHORITY_ONLY,
    None: frozenset({Role.SYSTEM_ADMIN, Role.AUDITOR}),
}


def roles_allowed_for(organisation: Organisation | None) -> frozenset[Role]:
    """The roles a user of ``organisation`` (None: of no organisation) may hold."""
    return ROLE_CEILINGS.get(organisation.kind if organisation else None, frozenset())


def role_within_ceiling(*, role: str, organisation: Organisation | None) -> bool:
    return role in roles_allowed_for(organisation)


def role_ceiling_problem(*, role: str, organisation: Organisation | None) -> str | None:
    """Why ``organisation`` may not hold ``role``, in words an admin can act on; None if it
    may."""
    if role_within_ceiling(role=role, organisation=organisation):
        return None
    allowed = [r.label for r in Role if r in roles_allowed_for(organisation)]
    who = (
        f"Users of {organisation.name} ({organisation.get_kind_display()})"
        if organisation
        else "Users with no organisation"
    )
    label = Role(role).label if role in Role.values else role
    return (
        f"{who} cannot hold the role “{label}”. "
        f"Roles they may hold: {', '.join(allowed) or 'none'}."
    )


DBS_CERTIFICATE_NUMBER = RegexValidator(
    r"^[0-9]{12}\Z", "A DBS certificate number is 12 digits, as printed on the certificate."
)


class RoleCeilingExceeded(ValidationError):
    """Raised on save: the user's organisation may not hold their role (see ``ROLE_CEILINGS``)."""


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
    # Vetting evidence (rule: vetting, ``vetting_problems``): what the certificate and records
    # say, entered by an admin who attests to having seen them (``access.vetting.evidence``).
    dbs_certificate_number = models.CharField(
        max_length=12,
        blank=True,
        default="",
        db_default="",  # rows written by COPY (benchmarks) need no column for it
        validators=[DBS_CERTIFICATE_NUMBER],
        verbose_name="DBS certificate number",
        help_text="The 12 digits printed on the enhanced DBS certificate.",
    )
    dbs_checked_on = models.DateField(
        null=True,
        blank=True,
        verbose_name="DBS certificate issue date",
        help_text="The date printed on the certificate; it must be renewed 3 years after it.",
    )
    training_completed_on = models.DateField(
        null=True, blank=True, verbose_name="ContactPoint training completed"
    )
    agreement_signed_on = models.DateField(
        null=True, blank=True, verbose_name="user agreement signed"
    )
    vetting_attested_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The admin who last recorded vetting evidence, vouching they saw it.",
    )
    vetting_attested_at = models.DateTimeField(null=True, blank=True)
    # The idle-account rule (``access.idle_accounts``) counts from here when it is later than
    # the last sign-in, so a reactivated account is not disabled again before its owner is back.
    reactivated_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the account was last made active again. Accounts unused for 90 days "
        "are disabled; the days count from the later of this and the last sign-in.",
    )
    home_postcode = models.CharField(
        max_length=8,
        blank=True,
        help_text="Normalised ('SW1A 1AA'). Held only so misuse review can spot a user looking "
        "up children at their own address; never shown to other users.",
    )
    suspended_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when an alert's reviewer suspends the account pending investigation.",
    )

    class Meta:
        permissions = [("reset_second_factor", "Can reset a user's second factor")]

    def clean(self) -> None:
        super().clean()
        problem = role_ceiling_problem(role=self.role, organisation=self.organisation)
        if problem:
            raise ValidationError({"role": problem})

    def save(self, *args, **kwargs) -> None:
        """Rule (role ceilings), enforced on every save — admin, shell, services, factories —
        not only in forms. A save that touches neither role nor organisation (``last_login``
        at sign-in) cannot change the answer and skips the check."""
        update_fields = kwargs.get("update_fields")
        if update_fields is None or {"role", "organisation", "organisation_id"} & set(
            update_fields
        ):
            problem = role_ceiling_problem(role=self.role, organisation=self.organisation)
            if problem:
                raise RoleCeilingExceeded({"role": problem})
        super().save(*args, **kwargs)

    @property
    def reads_child_data(self) -> bool:
        return self.role in CHILD_READER_ROLES

    @cached_property
    def leads_team(self) -> bool:
        """Whether anyone names this user as their supervisor.

        The navigation and the alerts entry both ask on every page; the user object lives for
        one request, so the question costs one query a page, not one per asker.
        """
        return self.team.exists()


@dataclass(frozen=True)
class VettingItem:
    """One piece of vetting evidence, how long it counts, and what a user is told when it
    does not. The DBS check counts only with its certificate number: a date alone is a claim,
    not evidence."""

    key: str
    label: str
    date_field: str
    valid_days_setting: str
    problem: str
    needs_field: str = ""

    @property
    def valid_days(self) -> int:
        return getattr(settings, self.valid_days_setting)

    def lapses_on(self, user: "User") -> date | None:
        """The first day this item no longer counts; None when there is no evidence."""
        on = getattr(user, self.date_field)
        if on is None or (self.needs_field and not getattr(user, self.needs_field)):
            return None
        return on + timedelta(days=self.valid_days + 1)

    def current(self, user: "User", today: date) -> bool:
        lapses_on = self.lapses_on(user)
        return lapses_on is not None and today < lapses_on

    def lapsed_by(self, day: date) -> Q:
        """Users for whom this item no longer counts on ``day``: ``current`` in SQL, for the
        admin's list filter."""
        lapsed = Q(**{f"{self.date_field}__isnull": True}) | Q(
            **{f"{self.date_field}__lte": day - timedelta(days=self.valid_days + 1)}
        )
        if self.needs_field:
            lapsed |= Q(**{self.needs_field: ""})
        return lapsed


VETTING_ITEMS = (
    VettingItem(
        key="dbs",
        label="enhanced DBS check",
        date_field="dbs_checked_on",
        needs_field="dbs_certificate_number",
        valid_days_setting="VETTING_DBS_VALID_DAYS",
        problem="Your enhanced DBS check is missing or more than 3 years old.",
    ),
    VettingItem(
        key="training",
        label="ContactPoint training",
        date_field="training_completed_on",
        valid_days_setting="VETTING_TRAINING_VALID_DAYS",
        problem="Your ContactPoint training is missing or has expired.",
    ),
    VettingItem(
        key="agreement",
        label="signed user agreement",
        date_field="agreement_signed_on",
        valid_days_setting="VETTING_AGREEMENT_VALID_DAYS",
        problem="Your signed user agreement is missing or has expired.",
    ),
)


def vetting_lapses_on(user: User) -> date | None:
    """The first day the user's vetting no longer counts: the earliest lapse of any item;
    None when some evidence is missing (it has lapsed already)."""
    days = [item.lapses_on(user) for item in VETTING_ITEMS]
    return None if None in days else min(days)


def vetting_lapsed_by(day: date) -> Q:
    """Users whose vetting (any item of ``VETTING_ITEMS``) no longer counts on ``day``."""
    return reduce(operator.or_, (item.lapsed_by(day) for item in VETTING_ITEMS))


def vetting_problems(user: User, *, today: date) -> list[str]:
    """Why ``user`` may not search today, in words they can act on; empty when they may.

    Rule: a user searches only while their organisation is accredited and their own enhanced
    DBS check (certificate number and issue date), training and signed user agreement are
    current. How long each counts is ``VETTING_ITEMS``' alone.
    """
    problems = []
    org = user.organisation
    if org is None or not org.accredited:
        problems.append("Your organisation is not accredited to use ContactPoint.")
    problems.extend(item.problem for item in VETTING_ITEMS if not item.current(user, today))
    return problems


class UserSession(models.Model):
    """Which session keys belong to which user, so deactivation can end every session."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    started_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Session of user {self.user_id} since {self.started_at:%Y-%m-%d %H:%M}"


class AccessRequest(SealedModel):
    """A request to see one child outside the user's scope.

    Emergency (break-glass): access at once after a fresh second factor, judged by the
    supervisor afterwards. Planned: waits for the supervisor's approval before any child data
    is shown. Either way, a granted request is a live grant on one child until ``expires_at``
    and puts that child in the requester's scope (``access.gateway.scope``) — for this user
    only, never for their organisation.

    Rule (protection at rest, issue 15): ``criteria`` is the search that found nobody —
    often a postcode typed for a child whose record is shielded — so it is sealed whole,
    bound to the request's row (``directory/sealing``).
    """

    SEALED = ("criteria",)

    class Kind(models.TextChoices):
        EMERGENCY = "emergency", "Emergency (break-glass)"
        PLANNED = "planned", "Request for access"

    class Reason(models.TextChoices):
        IMMEDIATE_RISK = "immediate_risk", "A child is at immediate risk of harm"
        MEDICAL_EMERGENCY = "medical_emergency", "Medical emergency"
        MISSING_CHILD = "missing_child", "Missing or runaway child"
        OUT_OF_HOURS = "out_of_hours", "Out-of-hours safeguarding referral"
        NEW_INVOLVEMENT = "new_involvement", "Starting to work with the child"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        INVOKED = "invoked", "Invoked, no child chosen yet"
        AWAITING_APPROVAL = "awaiting_approval", "Waiting for the supervisor"
        APPROVED = "approved", "Approved, no child chosen yet"
        DECLINED = "declined", "Declined by the supervisor"
        GRANTED = "granted", "Access granted"
        LAPSED = "lapsed", "Lapsed without a child chosen"

    class Judgement(models.TextChoices):
        PENDING = "pending", "Waiting for the supervisor"
        ENDORSED = "endorsed", "Endorsed"
        REJECTED = "rejected", "Rejected"
        ESCALATED = "escalated", "Escalated to an auditor"
        NOT_NEEDED = "not_needed", "No judgement needed"

    requester = models.ForeignKey(User, on_delete=models.PROTECT, related_name="access_requests")
    supervisor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="requests_to_judge",
        help_text="The requester's supervisor when the request was made: the one who judges.",
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reason = models.CharField(max_length=32, choices=Reason.choices)
    justification = models.TextField()
    criteria = sealed_json("criteria")
    criteria_sealed = models.BinaryField(null=True, blank=True, editable=False)
    offered_ids = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    # SET_NULL: when a child's record is destroyed at the end of retention, the request
    # stays (who asked, when, why) without pointing at anyone (directory/retention.py).
    child = models.ForeignKey(
        "directory.Child",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_requests",
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    granted_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    judgement = models.CharField(
        max_length=16, choices=Judgement.choices, default=Judgement.NOT_NEEDED
    )
    judged_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="judgements"
    )
    judged_at = models.DateTimeField(null=True, blank=True)
    judgement_note = models.TextField(blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    expiry_recorded = models.BooleanField(
        default=False, help_text="The grant's expiry has been written to the audit log."
    )
    directory_searches = models.PositiveIntegerField(
        default=0,
        help_text=(
            "Whole-directory searches made for this request; at most "
            "BREAK_GLASS_SEARCHES_PER_REQUEST (one emergency is one child, not a harvest)."
        ),
    )

    objects = SealedQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                name="live_grant",
                fields=["requester", "child", "expires_at"],
                condition=models.Q(status="granted"),
            ),
            models.Index(name="request_supervisor", fields=["supervisor", "judgement"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} by user {self.requester_id}"


class Notification(models.Model):
    """A message to one user, shown in their inbox and e-mailed by a Celery task.

    Written in the same transaction as the event that causes it, so it exists exactly when
    that event does; e-mail delivery is retried until ``emailed_at`` is set. ``dedupe_key``
    folds repeats (the same enquirer viewing the same child in a short window) into one.
    """

    class Kind(models.TextChoices):
        BREAK_GLASS = "break_glass", "Break-glass by your team"
        ACCESS_REQUEST = "access_request", "Request for access"
        REQUEST_DECIDED = "request_decided", "Your request was decided"
        CLOAKED_ENQUIRY = "cloaked_enquiry", "Someone looked up a child you work with"
        CONTACT_REQUEST = "contact_request", "Request to contact a shielded child"
        CONTACT_REPLY = "contact_reply", "Reply to your request to contact a child"
        SHIELD_OVERRIDE = "shield_override", "Shield overridden"
        SHIELD_CHANGE = "shield_change", "Shielding change"
        ESCALATION = "escalation", "Escalated for review"
        MISUSE_ALERT = "misuse_alert", "Misuse alert to review"
        PROVISIONING = "provisioning", "Change to a reader's account to approve"
        ACCOUNT_CHANGE = "account_change", "A change to your account to confirm"
        VETTING_EXPIRY = "vetting_expiry", "Vetting evidence about to lapse"
        ACCOUNT_DISABLED = "account_disabled", "Account disabled"
        RECERTIFICATION = "recertification", "Team access to recertify"

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    link = models.CharField(max_length=200, blank=True)
    in_app_detail = models.TextField(
        blank=True,
        help_text="Shown in the inbox only, never e-mailed: it may name a child.",
    )
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(name="notification_unread", fields=["recipient", "read_at"]),
            models.Index(
                name="notification_unsent",
                fields=["created_at"],
                condition=models.Q(emailed_at__isnull=True),
            ),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Notification #{self.pk} to user {self.recipient_id}"


class ShieldChange(models.Model):
    """A local-authority data manager shielding a child, or asking to lift a shield.

    Rule (four eyes): setting a shield protects the child at once; lifting one exposes the
    child, so it waits (``PENDING``) until a second data manager of the same authority
    approves it. The one who asked can never approve their own request.
    """

    class Kind(models.TextChoices):
        SET = "set", "Shield set"
        LIFT = "lift", "Shield lifted"

    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        PENDING = "pending", "Waiting for a second data manager"
        APPROVED = "approved", "Approved and applied"
        DECLINED = "declined", "Declined"

    # Null once the child's record is destroyed at the end of retention (the change, who
    # asked and who decided stay on record).
    child = models.ForeignKey(
        "directory.Child",
        null=True,
        on_delete=models.SET_NULL,
        related_name="shield_changes",
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    reason = models.TextField()
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="shield_changes_requested"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shield_changes_decided",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                name="one_pending_shield_lift",
                fields=["child"],
                condition=models.Q(status="pending"),
            )
        ]
        indexes = [
            models.Index(
                name="shield_change_pending",
                fields=["requested_at"],
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"


class ProvisioningRequest(models.Model):
    """A change to a child reader's account that waits for a second, independent approver.

    Rule (separation of duties): nobody gives anyone, themselves included, access to children
    on their own. Changing a reader's e-mail (where reset links go), resetting their second
    factor, or making someone a reader (a reader role, a new organisation, reactivation) is
    how one admin would take over or create a reader, so each waits here until someone else
    with the authority approves it (``access.provisioning.services.provisioning_may_approve``), and
    lapses after ``PROVISIONING_REQUEST_HOURS``.
    """

    class Kind(models.TextChoices):
        EMAIL_CHANGE = "email_change", "Change of e-mail address"
        SECOND_FACTOR_RESET = "second_factor_reset", "Reset of the authenticator app"
        READER_ROLE_GRANT = "reader_role_grant", "Access to children (a reader role)"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a second approver"
        AWAITING_OWNER = "awaiting_owner", "Approved; waiting for the account holder to confirm"
        APPROVED = "approved", "Approved and applied"
        DECLINED = "declined", "Declined"
        REFUSED_BY_OWNER = "refused_by_owner", "Refused by the account holder"
        EXPIRED = "expired", "Expired without a decision"

    class IdentityCheck(models.TextChoices):
        """How the approver of a second-factor reset made sure the person asking is the
        account holder (recorded with the decision; the enrolment code is handed over in the
        same conversation)."""

        IN_PERSON = "in_person", "In person, with photo ID"
        VIDEO_CALL = "video_call", "Video call, with photo ID shown"
        CALL_BACK = "call_back", "Called back on a number held before the request"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    target = models.ForeignKey(User, on_delete=models.PROTECT, related_name="provisioning_requests")
    organisation = models.ForeignKey(
        "directory.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Where the target reads children once applied: its local authority's "
        "children's services admins may approve.",
    )
    proposed = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="provisioning_requests_made"
    )
    requested_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    requested_event_id = models.BigIntegerField(
        null=True, blank=True, help_text="The audit event of the request (alert evidence)."
    )
    decided_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="provisioning_requests_decided",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    owner_decided_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the account holder confirmed or refused an approved e-mail change.",
    )
    identity_check = models.CharField(
        max_length=16,
        choices=IdentityCheck.choices,
        blank=True,
        help_text="Second-factor reset: how the approver checked the holder's identity.",
    )
    identity_check_note = models.TextField(blank=True)
    enrolment_code_hash = models.CharField(
        max_length=128,
        blank=True,
        help_text="Second-factor reset: the hashed one-time code the holder types before "
        "setting up a new authenticator (shown once to the approver, never stored plain).",
    )
    enrolment_code_used_at = models.DateTimeField(null=True, blank=True)
    enrolment_code_failures = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                name="one_open_provisioning_per_kind",
                fields=["target", "kind"],
                condition=models.Q(status__in=["pending", "awaiting_owner"]),
            )
        ]
        indexes = [
            models.Index(
                name="provisioning_pending",
                fields=["requested_at"],
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"

    @property
    def proposed_role_label(self) -> str:
        role = self.proposed.get("role", "")
        return Role(role).label if role in Role.values else role


# Recovery codes live in their own module; imported here so Django registers them (issue 14).
from .sign_in.recovery_models import RecoveryCode, RecoveryCodeDevice  # noqa: E402, F401


class Recertification(models.Model):
    """A supervisor's answer, once a quarter, for one member of their team: do they still need
    ContactPoint?

    Rule (recertification): access nobody vouches for is access nobody needs. Each London
    calendar quarter a supervisor confirms each team member still needs access, or withdraws
    it (which disables the account: ``access.recertification``). One answer per member per
    quarter; the row stays as the record of who vouched for whom, and when.
    """

    class Decision(models.TextChoices):
        CONFIRMED = "confirmed", "Still needs access"
        WITHDRAWN = "withdrawn", "Access withdrawn"

    member = models.ForeignKey(User, on_delete=models.PROTECT, related_name="recertifications")
    supervisor = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="recertifications_made"
    )
    quarter_start = models.DateField(help_text="First day of the quarter this answer covers.")
    decision = models.CharField(max_length=12, choices=Decision.choices)
    note = models.TextField(blank=True)
    decided_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                name="one_recertification_per_quarter", fields=["member", "quarter_start"]
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: user {self.member_id}, {self.quarter_start}"


class ContactRequest(models.Model):
    """A practitioner's request that a local authority put them in touch with a shielded
    child, or with those who work with the child (rule: brokering), and what became of it.

    Rule (one owner): every data manager of the authority is told, one of them takes it
    (``assignee``), and closes it with a reply the requester reads — so a request neither
    falls through nor is handled twice. The requester sees their request's status and reply,
    never more of the child than they saw when asking.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a data manager"
        TAKEN = "taken", "Being handled"
        HANDLED = "handled", "Handled"
        DECLINED = "declined", "Declined"

    # Null once the child's record is destroyed at the end of retention (directory/retention.py
    # also clears the message and reply, which may describe the child).
    child = models.ForeignKey(
        "directory.Child", null=True, on_delete=models.SET_NULL, related_name="contact_requests"
    )
    child_public_id = models.CharField(max_length=32)
    local_authority = models.ForeignKey(
        "directory.LocalAuthority", on_delete=models.PROTECT, related_name="+"
    )
    requester = models.ForeignKey(User, on_delete=models.PROTECT, related_name="contact_requests")
    purpose = models.CharField(max_length=40)
    message = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="contact_requests_taken"
    )
    taken_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reply = models.TextField(blank=True, help_text="What the requester is told when it closes.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(
                name="contact_request_open",
                fields=["local_authority", "created_at"],
                condition=models.Q(status__in=["open", "taken"]),
            ),
            models.Index(name="contact_request_mine", fields=["requester", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"Contact request #{self.pk} ({self.get_status_display()})"
