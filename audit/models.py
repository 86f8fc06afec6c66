"""The lookup log and its signed tree heads. Rows are written by ``audit.writer`` and the
sealer alone and are never changed: the database refuses UPDATE, DELETE and TRUNCATE (see
migrations 0002-0004), and sealing makes any change made around that refusal detectable."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import BrinIndex, GinIndex
from django.db import models


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
        # Reports (access/gateway/reports.py)
        WHO_VIEWED_REPORT = "who_viewed_report", "Who-viewed report"

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


class TreeHead(models.Model):
    """One signed tree head: the log's first ``tree_size`` events hash to ``root_hash``.

    Written by ``audit.services.audit_seal`` alone, append-only like the events (migration
    0004), and copied to a witness outside the database. ``frontier`` lets the next batch
    extend the tree without re-reading old events; ``event_ids`` and ``leaf_hashes`` (packed,
    8 and 32 bytes per event) let the verifier name the exact event that was changed, removed
    or slipped in, rather than only the batch.
    """

    tree_size = models.BigIntegerField(primary_key=True)
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

    def __str__(self) -> str:
        return f"Tree head {self.tree_size} sealed at {self.sealed_at:%Y-%m-%d %H:%M:%S}"
