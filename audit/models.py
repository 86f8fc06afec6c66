"""The lookup log. Rows are written by ``audit.writer.access_event_record`` alone and are never
changed: the database refuses UPDATE, DELETE and TRUNCATE (see migration 0002)."""

from django.contrib.postgres.fields import ArrayField
from django.db import models


class AccessEvent(models.Model):
    """One search, record view, refusal or login, written in the same transaction as the read.

    Actor and organisation are copied as plain values, not foreign keys: the log must outlive
    the users and organisations it mentions and must not cascade when they change.
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

    class Outcome(models.TextChoices):
        SHOWN = "shown", "Data shown"
        NOT_FOUND = "not_found", "Not found"
        REFUSED = "refused", "Refused"
        OK = "ok", "OK"
        FAILED = "failed", "Failed"

    occurred_at = models.DateTimeField(db_index=True)
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
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_username} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"
