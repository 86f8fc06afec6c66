"""``python manage.py seal_audit``: seal every event committed before the command started.

The scheduled job (Celery beat, ``audit.tasks.audit_seal_task``) runs the same service one
round at a time; this loops rounds, waiting for transactions still holding event ids, until
the log is sealed up to the sequence's value at the start. Safe to run beside the scheduled
job (they take turns on an advisory lock) and to run again (nothing new: nothing written).
"""

from django.core.management.base import BaseCommand, CommandError

from audit.sealing.sealer import audit_seal_all, latest_head
from audit.sealing.witness import WitnessConflict


class Command(BaseCommand):
    help = "Seal every audit event committed so far into a signed tree head."

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout",
            type=float,
            default=60.0,
            help="seconds to wait for transactions in flight (default 60)",
        )

    def handle(self, *args, timeout: float, **options):
        try:
            written = audit_seal_all(timeout_seconds=timeout)
        except TimeoutError as error:
            raise CommandError(str(error)) from None
        except WitnessConflict as error:
            raise CommandError(
                f"{error}. The database's audit history differs from what was witnessed: run "
                "verify_audit and investigate. (A development database rebuilt on purpose "
                "needs a fresh witness: move AUDIT_WITNESS_DIR aside.)"
            ) from None
        head = latest_head()
        if head is None:
            self.stdout.write("Nothing to seal: the audit log is empty.")
            return
        self.stdout.write(
            f"{written} new tree head(s). Tree size {head.tree_size}, root "
            f"{bytes(head.root_hash).hex()}, events sealed through id {head.sealed_through_id}."
        )
