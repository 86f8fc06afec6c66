"""The lookup log and its signed tree heads. Rows are written by ``audit.writer`` and the
sealer alone and are never changed: the database refuses UPDATE, DELETE and TRUNCATE (see
migrations 0002-0004), and sealing makes any change made around that refusal detectable."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import BrinIndex, GinIndex
from django.db import models
from django.db.models import Value


class AccessEvent(models.Model):
    """One search, record view, refusal or login, written in the same transaction as the read.

    Actor and organisation are copied as plain values, not foreign keys: the log must outlive
    the users and organisations it mentions and must not cascade when they change.

    In the database the table is partitioned by month on ``occurred_at`` (migration 0003), so
    its primary key there is ``(id, occurred_at)``; ``id`` alone comes from one sequence and is
    unique, which is what Django and the sealer rely on.
    """

    class Action(models.TextChoices):
        SEARCH = "search", "Search"
        VIEW = "view", "Record view"
        REFUSED = "refused", "Refused"
        LOGIN = "login", "Login"
        LOGIN_FAILED = "login_failed", "Failed login"
        LOGOUT = "logout", "Logout"
        SECOND_FACTOR_FAILED = "otp_failed", "Failed second factor"
        DEVICE_ENROLLED = "otp_enrolled", "Second factor enrolled"
        # Break-glass and access requests (access/gateway/break_glass.py, supervision.py)
        BREAK_GLASS = "break_glass", "Break-glass invoked"
        ACCESS_REQUESTED = "access_requested", "Access requested"
        DIRECTORY_SEARCH = "directory_search", "Whole-directory search"
        ACCESS_GRANTED = "access_granted", "Access granted"
        GRANT_EXPIRED = "grant_expired", "Access expired"
        REQUEST_APPROVED = "request_approved", "Request approved"
        REQUEST_DECLINED = "request_declined", "Request declined"
        BREAK_GLASS_ENDORSED = "bg_endorsed", "Break-glass endorsed"
        BREAK_GLASS_REJECTED = "bg_rejected", "Break-glass rejected"
        BREAK_GLASS_ESCALATED = "bg_escalated", "Break-glass escalated"
        SUPERVISION_VIEW = "supervision_view", "Supervision queue viewed"
        # Shielding (access/gateway/shielding.py, shield_override.py, shield_changes.py)
        SHIELD_FULL_VIEW = "shield_full_view", "Shielded record, full view"
        CONTACT_REQUEST = "contact_request", "Contact requested (shielded)"
        SHIELD_OVERRIDE = "shield_override", "Shield overridden"
        SHIELD_DENIED = "shield_denied", "Shield override refused"
        SHIELD_SET = "shield_set", "Shield set"
        SHIELD_LIFT_ASKED = "shield_lift_asked", "Shield lift asked"
        SHIELD_LIFTED = "shield_lifted", "Shield lifted"
        SHIELD_LIFT_DECLINED = "shield_lift_declined", "Shield lift declined"
        SHIELD_QUEUE_VIEW = "shield_queue_view", "Shielding queue viewed"
        SHIELD_FORM_VIEW = "shield_form_view", "Shield form opened"
        # My lookups naming the children the user opened (access/gateway/own_lookups.py)
        OWN_LOOKUPS_VIEW = "own_lookups_view", "Own lookups viewed"
        # Reports (access/gateway/reports.py)
        WHO_VIEWED_REPORT = "who_viewed_report", "Who-viewed report"
        # Misuse review (audit/alerts/services.py, audit/alerts/views.py)
        ALERT_QUEUE_VIEW = "alert_queue_view", "Alerts queue viewed"
        ALERT_VIEW = "alert_view", "Alert opened"
        ALERT_DECIDED = "alert_decided", "Alert outcome recorded"
        ACCOUNT_SUSPENDED = "account_suspended", "Account suspended"
        MISUSE_DASHBOARD = "misuse_dashboard", "Misuse dashboard viewed"
        # Separation of duties (access/provisioning/)
        PROVISION_REQUESTED = "provision_requested", "Reader change requested"
        PROVISION_APPROVED = "provision_approved", "Reader change approved"
        PROVISION_DECLINED = "provision_declined", "Reader change declined"
        PROVISION_EXPIRED = "provision_expired", "Reader change expired"
        PROVISION_OWNER_CONFIRMED = "provision_confirmed", "Account holder confirmed a change"
        PROVISION_OWNER_REFUSED = "provision_refused", "Account holder refused a change"
        ENROLMENT_CODE_USED = "enrolment_code_used", "Enrolment code used after a reset"
        ENROLMENT_CODE_BAD = "enrolment_code_bad", "Wrong enrolment code after a reset"
        # Admin change history (audit/admin_history.py): each django-auditlog entry sealed
        ADMIN_CHANGE = "admin_change", "Admin change recorded"
        # Inbox (access/inbox.py): a notification whose in-app detail may name a child
        NOTIFICATION_VIEW = "notification_view", "Notification naming a child opened"
        # Brokered contact (access/gateway/contact_requests.py)
        CONTACT_QUEUE_VIEW = "contact_queue_view", "Contact requests listed"
        CONTACT_REQUEST_VIEW = "contact_request_view", "Contact request opened"
        CONTACT_REQUEST_TAKEN = "contact_taken", "Contact request taken"
        CONTACT_REQUEST_CLOSED = "contact_closed", "Contact request closed"
        # Feeds (directory/feeds, access/gateway/feed_reviews.py)
        FEED_IMPORTED = "feed_imported", "Feed imported"
        FEED_REVIEW_VIEW = "feed_review_view", "Feed record compared with children"
        FEED_REVIEW_DECIDED = "feed_review_decided", "Feed record placed by a data manager"
        CHILD_MERGE_VIEW = "merge_view", "Two records compared for a merge"
        CHILD_MERGED = "child_merged", "Two records merged"
        CHILD_UNMERGED = "child_unmerged", "Merge undone"
        # Retention (directory/retention.py, access/gateway/legal_holds.py)
        RETENTION_APPLIED = "retention_applied", "Records archived and destroyed"
        LEGAL_HOLD_SET = "legal_hold_set", "Legal hold placed"
        LEGAL_HOLD_LIFTED = "legal_hold_lifted", "Legal hold lifted"
        # Upkeep (access/gateway/upkeep.py, corrections.py)
        INVOLVEMENT_STARTED = "involvement_started", "Involvement recorded"
        INVOLVEMENT_ENDED = "involvement_ended", "Involvement ended"
        CORRECTION_REPORTED = "correction_reported", "Inaccuracy reported"
        CORRECTION_VIEW = "correction_view", "Correction opened"
        CORRECTION_DECIDED = "correction_decided", "Correction decided"
        # Security keys and recovery codes (access/sign_in/: security_keys.py, recovery_codes.py)
        KEY_REGISTERED = "key_registered", "Security key added"
        KEY_REMOVED = "key_removed", "Security key removed"
        KEY_USED = "key_used", "Security key used"
        RECOVERY_CODES_MADE = "recovery_codes_made", "Recovery codes created"
        RECOVERY_CODE_USED = "recovery_code_used", "Recovery code used"
        # Vetting as evidence (access/vetting/evidence.py, idle_accounts.py, recertification/)
        VETTING_ATTESTED = "vetting_attested", "Vetting evidence attested"
        ACCOUNT_IDLE_DISABLED = "idle_disabled", "Account disabled, unused"
        RECERTIFIED = "recertified", "Access recertified"
        ACCESS_WITHDRAWN = "access_withdrawn", "Access withdrawn at recertification"
        # The API (api/): a practitioner lets a connecting system act for them.
        API_TOKEN_ISSUED = "api_token_issued", "API access token issued"
        API_SYSTEM_SIGNED_IN = "api_system_signin", "Connecting system signed in"
        API_AUTH_FAILED = "api_auth_failed", "API authentication failed"

    class Outcome(models.TextChoices):
        SHOWN = "shown", "Data shown"
        NOT_FOUND = "not_found", "Not found"
        REFUSED = "refused", "Refused"
        OK = "ok", "OK"
        FAILED = "failed", "Failed"

    occurred_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=40, blank=True)
    organisation_id = models.BigIntegerField(null=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    purpose = models.CharField(max_length=40, blank=True)
    criteria = models.JSONField(default=dict, blank=True)
    result_ids = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    child_public_id = models.CharField(max_length=32, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # Leaf version 2 (migration 0013, ``audit/sealing/canonical.py``): the leaf seals
    # SHA-256(personal_salt ‖ criteria and reason) instead of them, so that forgetting
    # (``audit/forgetting.py``) can empty them and delete the salt without breaking the seal.
    # Rows written before it are version 1 and seal criteria and reason themselves.
    leaf_version = models.SmallIntegerField(db_default=1, editable=False)
    personal_salt = models.BinaryField(null=True)
    personal_digest = models.BinaryField(null=True)
    # The connecting system an event was made through (the API's ``ApiClient.client_id``,
    # copied as text like ``actor_username``); NULL for every other event, whose leaf then
    # encodes exactly as before (``audit/sealing/canonical.py``). NULL, not empty: the leaf
    # tells the two apart.
    api_client = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    class Meta:
        indexes = [
            models.Index(name="event_actor_time", fields=["actor_id", "occurred_at"]),
            models.Index(name="event_child_time", fields=["child_public_id", "occurred_at"]),
            # Searches that returned a child (who-viewed reports).
            GinIndex(name="event_result_ids", fields=["result_ids"]),
            # Time ranges (anomaly review): rows arrive in time order, so a BRIN index is tiny.
            BrinIndex(name="event_time_brin", fields=["occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_username} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"


# Groups of actions, for the code that reads the log (misuse review, cloaked enquiries, My
# lookups). Beside the enum, so that readers of the log depend on the log and not on the
# gateway that writes the events.
Action = AccessEvent.Action
# Events that show (or try to show) one child's record: what misuse review explains.
RECORD_LOOKUP_ACTIONS = (
    Action.VIEW,
    Action.SHIELD_FULL_VIEW,
    Action.SHIELD_OVERRIDE,
    Action.SHIELD_DENIED,
    Action.CONTACT_REQUEST,
)
# Views that showed a record (identity-only, full, or by shield override).
RECORD_SHOWN_ACTIONS = (Action.VIEW, Action.SHIELD_FULL_VIEW, Action.SHIELD_OVERRIDE)
# What a user's own lookup list and their supervisor's team list show.
LOOKUP_LIST_ACTIONS = (Action.SEARCH, Action.VIEW, Action.REFUSED)
del Action


class TreeHeadQuerySet(models.QuerySet):
    def newest_first(self) -> models.QuerySet:
        """The current epoch's newest head first: a later epoch's heads supersede an earlier
        one's, whatever their sizes."""
        return self.order_by("-epoch", "-tree_size")


class TreeHead(models.Model):
    """One signed tree head: the log's first ``tree_size`` events hash to ``root_hash``.

    Written by ``audit.sealing.sealer.audit_seal`` alone, append-only like the events (migration
    0004), and copied to a witness outside the database. ``frontier`` lets the next batch
    extend the tree without re-reading old events; ``event_ids`` and ``leaf_hashes`` (packed,
    8 and 32 bytes per event) let the verifier name the exact event that was changed, removed
    or slipped in, rather than only the batch.
    """

    # A head is named by its epoch and size (migration 0020): re-rooting the log
    # (``audit.sealing.reroot``) starts a fresh tree whose first heads have the sizes of the
    # old ones.
    pk = models.CompositePrimaryKey("epoch", "tree_size")
    epoch = models.IntegerField(db_default=1)
    tree_size = models.BigIntegerField()
    root_hash = models.BinaryField()
    previous_tree_size = models.BigIntegerField()
    previous_root_hash = models.BinaryField()
    first_event_id = models.BigIntegerField()
    last_event_id = models.BigIntegerField()
    sealed_through_id = models.BigIntegerField(
        help_text="Every event id up to this one is in this or an earlier head, or never was."
    )
    sealed_at = models.DateTimeField()
    key_id = models.CharField(max_length=16)
    signature = models.BinaryField()
    frontier = models.BinaryField()
    event_ids = models.BinaryField()
    leaf_hashes = models.BinaryField()

    objects = TreeHeadQuerySet.as_manager()

    def __str__(self) -> str:
        return (
            f"Tree head {self.tree_size} of epoch {self.epoch} "
            f"sealed at {self.sealed_at:%Y-%m-%d %H:%M:%S}"
        )


class TransitionHead(models.Model):
    """The signed statement that re-rooted the log: the last head of epoch ``to_epoch - 1``
    and the head of epoch ``to_epoch`` that seals the same events re-encoded.

    Written once by ``audit.sealing.reroot`` as the owner, append-only like the heads (migration
    0020), and copied to the witness with the file mapping each event's old leaf to its new
    one (``audit/sealing/transition.py``), so that anyone holding the old events and heads can check
    that the re-encoding changed nothing but the encoding.
    """

    to_epoch = models.IntegerField(primary_key=True)
    from_tree_size = models.BigIntegerField()
    from_root_hash = models.BinaryField()
    to_tree_size = models.BigIntegerField()
    to_root_hash = models.BinaryField()
    sealed_through_id = models.BigIntegerField()
    reencoded_events = models.BigIntegerField()
    mapping_sha256 = models.BinaryField()
    signed_at = models.DateTimeField()
    key_id = models.CharField(max_length=16)
    signature = models.BinaryField()

    def __str__(self) -> str:
        return f"Transition to epoch {self.to_epoch} signed at {self.signed_at:%Y-%m-%d %H:%M:%S}"


# --- Misuse review (issue 5; docs/misuse-review.md) -------------------------------------------
# Derived from the log by the review jobs (``audit.review``), never by a request. Unlike the
# log itself these tables are ordinary: the jobs may rebuild a window's derived rows, and an
# alert's workflow fields change as it is reviewed. Evidence always points back at log ids.


class LookupExplanation(models.Model):
    """Why a user looked at a child, as far as the data can tell, for one logged lookup.

    Rule (review): a lookup that no relation explains — no involvement, no residence, no grant
    — is the raw material of misuse review; one that is explained only weakly (the authority
    the child lives in) is weighed less than one on the user's own caseload.
    """

    class Basis(models.TextChoices):
        OWN_CASELOAD = "own_caseload", "The user is the child's named practitioner"
        INVOLVEMENT = "involvement", "The user's organisation works with the child"
        RESIDENCE = "residence", "The child lives in the user's authority"
        GRANT = "grant", "A break-glass grant or approved request"
        NONE = "none", "Nothing in the data explains it"

    event_id = models.BigIntegerField(primary_key=True)
    occurred_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True)
    action = models.CharField(max_length=20)
    outcome = models.CharField(max_length=16)
    child_public_id = models.CharField(max_length=32)
    basis = models.CharField(max_length=16, choices=Basis.choices)
    child_shielded = models.BooleanField(default=False)
    shares_family_name = models.BooleanField(
        default=False, help_text="The child's family name is the user's own."
    )
    shares_address = models.BooleanField(
        default=False, help_text="The child lives at the user's home postcode."
    )
    common_family_name = models.BooleanField(
        default=False, help_text="Shared, but so common that it suggests no relation."
    )
    benefits_user_id = models.BigIntegerField(
        null=True,
        help_text="For a grant: another user of the same organisation at whose home postcode "
        "the child lives (break glass for a colleague's benefit); one who also shares the "
        "child's family name first.",
    )
    benefits_by_name = models.BooleanField(
        default=False,
        db_default=False,
        help_text="That colleague also shares the child's family name.",
    )
    # Every relation that holds, not only the strongest (``basis``), and how strongly they
    # justify the lookup together (``Strength``, the strongest relation's): what reviewers
    # read beside each evidence event, and what the unexplained-lookup aggregates count.
    relations = ArrayField(
        models.CharField(max_length=20), default=list, db_default=Value([]), blank=True
    )
    strength = models.PositiveSmallIntegerField(default=0, db_default=0)
    household_id = models.BigIntegerField(
        null=True,
        help_text="The child's household, named by the lowest directory id among the children "
        "of the same family name at the same address: what unexplained_household groups by.",
    )

    class Relation(models.TextChoices):
        OWN_CASELOAD = "own_caseload", "the user is the child's named practitioner"
        TEAM_CASE = "team_case", "a colleague in the user's team is the named practitioner"
        INVOLVEMENT = "involvement", "the user's organisation works with the child"
        HOUSEHOLD = "household", "the organisation works with a brother or sister at home"
        CONTACT_REQUEST = "contact_request", "a contact request the user made or handles"
        CASE_OPENED = "case_opened", "a case opened in the days after, by the user's services"
        RECORD_UPKEEP = "record_upkeep", "the user corrected, matched or merged the child's record"
        GRANT = "grant", "a break-glass or approved request of the user's"
        SHIELD_ROLE = "shield_role", "a shielded child, and the user's role handles shielding"
        RESIDENCE = "residence", "the child lives in the user's authority (scope only)"

    class Strength(models.IntegerChoices):
        NONE = 0, "Unexplained"
        WEAK = 1, "Weak"
        MEDIUM = 2, "Medium"
        STRONG = 3, "Strong"

    # How strongly each relation justifies a lookup: a case of the user's own or their team's
    # is a reason; their organisation's work with the child or the household, a request, a
    # grant or a shielding role is a reason the user may not share, and so is what followed
    # the lookup (a case opened, the record's upkeep); residence is permission.
    RELATION_STRENGTH = {
        Relation.OWN_CASELOAD: Strength.STRONG,
        Relation.TEAM_CASE: Strength.STRONG,
        Relation.INVOLVEMENT: Strength.MEDIUM,
        Relation.HOUSEHOLD: Strength.MEDIUM,
        Relation.CONTACT_REQUEST: Strength.MEDIUM,
        Relation.CASE_OPENED: Strength.MEDIUM,
        Relation.RECORD_UPKEEP: Strength.MEDIUM,
        Relation.GRANT: Strength.MEDIUM,
        Relation.SHIELD_ROLE: Strength.MEDIUM,
        Relation.RESIDENCE: Strength.WEAK,
    }

    class Meta:
        indexes = [
            models.Index(name="explanation_actor_time", fields=["actor_id", "occurred_at"]),
            BrinIndex(name="explanation_time_brin", fields=["occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"Lookup {self.event_id}: {self.basis}"


class ActivityDay(models.Model):
    """One user's activity on one (local) day: the baselines' memory.

    Detectors compare today with a user's own past and with their peers; reading a month of
    raw events for every user every night would not fit the night, so each day is rolled up
    once, when its window is reviewed.
    """

    actor_id = models.BigIntegerField()
    day = models.DateField()
    actor_role = models.CharField(max_length=40, blank=True)
    organisation_id = models.BigIntegerField(null=True)
    lookups = models.IntegerField(default=0)
    off_hours_lookups = models.IntegerField(default=0)
    searches = models.IntegerField(default=0)
    distinct_children = models.IntegerField(default=0)
    unexplained_children = models.IntegerField(
        default=0,
        db_default=0,
        help_text="Distinct children opened whom nothing but residence, or nothing, explains.",
    )
    break_glass = models.IntegerField(default=0)
    directory_searches = models.IntegerField(default=0)
    fruitless_searches = models.IntegerField(
        default=0,
        db_default=0,
        help_text="Searches after which the user opened none of the children found that day.",
    )

    class Meta:
        constraints = [models.UniqueConstraint(name="one_activity_day", fields=["actor_id", "day"])]
        indexes = [models.Index(name="activity_day", fields=["day"])]

    def __str__(self) -> str:
        return f"User {self.actor_id} on {self.day}"


class ReviewWatermark(models.Model):
    """How far a review stage has read the log: the last event id it has processed."""

    stage = models.CharField(primary_key=True, max_length=40)
    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.stage} through event {self.last_event_id}"


class ReviewRun(models.Model):
    """One detector over one time window, done.

    The unique key is the idempotence: a re-run, or a task the broker delivers twice, finds
    the row (or collides with it) and changes nothing. Written in the same transaction as the
    window's alerts, so a window is either reviewed with all its alerts or not at all.
    """

    detector = models.CharField(max_length=40)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    finished_at = models.DateTimeField()
    events_read = models.BigIntegerField(default=0)
    alerts_raised = models.IntegerField(default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                name="one_review_per_window", fields=["detector", "window_start"]
            )
        ]

    def __str__(self) -> str:
        return f"{self.detector} {self.window_start:%Y-%m-%d %H:%M}"


class Alert(models.Model):
    """A finding of misuse review (or of a rule such as a shield override) for a person to judge.

    Assigned to the subject's supervisor, or — for supervisors themselves, high severity, or a
    user with no supervisor — to the auditors. An alert with no subject is about the service
    itself (sealing or review stalled, ``audit.alerts.services.service_stall_alert_raise``): always
    the auditors'. ``evidence_event_ids`` link the finding to the
    log events behind it; the summary says in plain words what was seen.
    """

    class Severity(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ESCALATED = "escalated", "Escalated to auditors"
        CLOSED = "closed", "Closed"

    class Outcome(models.TextChoices):
        LEGITIMATE = "legitimate", "Legitimate"
        NEEDS_TRAINING = "needs_training", "Needs training"
        MISUSE = "misuse", "Misuse"

    detector = models.CharField(max_length=40)
    dedupe_key = models.CharField(max_length=200, unique=True)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts_about",
        help_text="The person the alert is about; empty when it is about the service.",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts_assigned",
        help_text="The supervisor who reviews it; empty when it is with the auditors.",
    )
    for_auditors = models.BooleanField(default=False)
    summary = models.TextField()
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    evidence_event_ids = ArrayField(models.BigIntegerField(), default=list)
    evidence_count = models.IntegerField(default=0)
    raised_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(name="alert_assignee_status", fields=["assignee", "status"]),
            models.Index(name="alert_status_raised", fields=["status", "raised_at"]),
            models.Index(name="alert_detector_raised", fields=["detector", "raised_at"]),
        ]
        ordering = ["-raised_at", "-id"]

    def __str__(self) -> str:
        return f"Alert #{self.pk} ({self.detector}, {self.severity})"


class AlertDecision(models.Model):
    """One step in an alert's review: an outcome, an escalation or a suspension, with a note."""

    class Action(models.TextChoices):
        LEGITIMATE = "legitimate", "Closed as legitimate"
        NEEDS_TRAINING = "needs_training", "Closed: needs training"
        MISUSE = "misuse", "Closed as misuse"
        ESCALATE = "escalate", "Escalated to auditors"

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="decisions")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="alert_decisions"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    note = models.TextField()
    suspended_subject = models.BooleanField(default=False)
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} on alert {self.alert_id}"
