"""``python manage.py review_misuse``: run every misuse detector over the log so far."""

from django.core.management.base import BaseCommand

from audit.review.pipeline import misuse_review_run


class Command(BaseCommand):
    help = "Explain new lookups and run every misuse detector over every window not yet reviewed."

    def handle(self, *args, **options):
        report = misuse_review_run()
        if report.status == "busy":
            self.stderr.write("Another review run is in progress; try again when it finishes.")
            raise SystemExit(1)
        self.stdout.write(f"explained {report.explained} lookup(s)")
        for name, windows in report.windows.items():
            self.stdout.write(
                f"{name:<18} {windows:>5} window(s) {report.alerts.get(name, 0):>4} alert(s) "
                f"{report.seconds.get(name, 0):7.2f} s"
            )
