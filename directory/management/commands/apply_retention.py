"""``python manage.py apply_retention [--today YYYY-MM-DD]``: archive and destroy as of a day.

CONTRACT: outside checks move the clock with ``--today``; ``verify_audit`` still passes
afterwards. Beat runs the same nightly for today (``directory.tasks.retention_apply_task``).
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from directory.retention import retention_apply


class Command(BaseCommand):
    help = "Archive records at 18 (25 with consent); destroy them six years later."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="YYYY-MM-DD (default: today)")

    def handle(self, *args, today: str | None, **options):
        try:
            day = date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"--today {today!r}: use YYYY-MM-DD") from error
        result = retention_apply(today=day)
        self.stdout.write(
            f"Retention as of {day:%Y-%m-%d}: {result.archived} archived, "
            f"{result.destroyed} destroyed, {result.dated} archived records dated; "
            f"{result.events_forgotten} audit events forgot their criteria "
            f"({result.events_kept_version_1} written before leaf version 2 keep them)."
        )
