"""``python manage.py audit_reroot``: make the log's version 1 events forgettable, once, by
re-rooting the log in a new epoch (``audit.sealing.reroot``; docs/audit.md, *Epochs*).

Run it as the owner role (``DATABASE_URL`` set to ``DATABASE_OWNER_URL``), with the signing key
and the witness configured, at a cut-over: the application stopped and ``seal_audit`` run, so
that every event is sealed. Exit status 1, nothing changed, when it refuses; 0 when it
re-rooted or there was nothing to do (no version 1 event left, as after it has succeeded).
"""

from django.core.management.base import BaseCommand, CommandError

from audit.sealing.reroot import NOTHING_TO_DO, RerootRefused, audit_reroot
from audit.sealing.witness import WitnessConflict


class Command(BaseCommand):
    help = "Re-encode the audit log's leaf version 1 events and re-root it in a new epoch."

    def add_arguments(self, parser):
        parser.add_argument(
            "--lock-wait",
            type=float,
            default=30.0,
            help="seconds to wait for a sealing round in progress (default 30)",
        )

    def handle(self, *args, lock_wait: float, **options):
        try:
            result = audit_reroot(lock_wait_seconds=lock_wait)
        except (RerootRefused, WitnessConflict) as error:
            raise CommandError(f"Not re-rooted: {error}") from None
        if result.status == NOTHING_TO_DO:
            self.stdout.write(
                f"Nothing to do: no event of leaf version 1 is left; the log is in epoch "
                f"{result.epoch}."
            )
            return
        transition = result.transition
        self.stdout.write(
            f"Re-rooted into epoch {result.epoch}: {result.reencoded} events re-encoded, "
            f"{transition.to_tree_size} events sealed again in {result.heads} head(s), root "
            f"{bytes(transition.to_root_hash).hex()}. Transition head and mapping file are in "
            "the witness; have an outside auditor verify and countersign the transition."
        )
