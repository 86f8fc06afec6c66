"""Labels for the separation-of-duties events (a reader change requested, approved, declined
or expired): choices only, no change to the table."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0008_seal_lock"),
    ]

    operations = [
        migrations.AlterField(
            model_name="accessevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("search", "Search"),
                    ("view", "Record view"),
                    ("refused", "Refused"),
                    ("login", "Login"),
                    ("login_failed", "Failed login"),
                    ("logout", "Logout"),
                    ("otp_failed", "Failed second factor"),
                    ("otp_enrolled", "Second factor enrolled"),
                    ("break_glass", "Break-glass invoked"),
                    ("access_requested", "Access requested"),
                    ("directory_search", "Whole-directory search"),
                    ("access_granted", "Access granted"),
                    ("grant_expired", "Access expired"),
                    ("request_approved", "Request approved"),
                    ("request_declined", "Request declined"),
                    ("bg_endorsed", "Break-glass endorsed"),
                    ("bg_rejected", "Break-glass rejected"),
                    ("bg_escalated", "Break-glass escalated"),
                    ("supervision_view", "Supervision queue viewed"),
                    ("shield_full_view", "Shielded record, full view"),
                    ("contact_request", "Contact requested (shielded)"),
                    ("shield_override", "Shield overridden"),
                    ("shield_denied", "Shield override refused"),
                    ("shield_set", "Shield set"),
                    ("shield_lift_asked", "Shield lift asked"),
                    ("shield_lifted", "Shield lifted"),
                    ("shield_lift_declined", "Shield lift declined"),
                    ("shield_queue_view", "Shielding queue viewed"),
                    ("who_viewed_report", "Who-viewed report"),
                    ("alert_queue_view", "Alerts queue viewed"),
                    ("alert_view", "Alert opened"),
                    ("alert_decided", "Alert outcome recorded"),
                    ("account_suspended", "Account suspended"),
                    ("misuse_dashboard", "Misuse dashboard viewed"),
                    ("provision_requested", "Reader change requested"),
                    ("provision_approved", "Reader change approved"),
                    ("provision_declined", "Reader change declined"),
                    ("provision_expired", "Reader change expired"),
                ],
                max_length=20,
            ),
        ),
    ]
