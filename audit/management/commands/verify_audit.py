"""``python manage.py verify_audit``: recompute the audit log and check it against its signed
tree heads and the witness; exit status 1 naming the first bad event or head.

Exit status 2 when the log checks out but sealing has stalled: the oldest unsealed event is
older than ``AUDIT_SEAL_MAX_LAG_SECONDS``. Unsealed events are not yet protected, so "intact"
would be a promise about them the log cannot keep (issue 14, finding 4).

``--print-public-key`` prints the key outside parties need to check heads themselves
(``python -m audit.sealing.verify_head``, or the jq/openssl recipe in docs/audit.md).
"""

from django.core.management.base import BaseCommand, CommandError

from audit.sealing.heads import key_id_for, public_key_raw
from audit.sealing.keys import known_public_keys, signing_key
from audit.sealing.verification import audit_verify
from audit.selectors import seal_lag_get

SEALING_STALLED = 2


class Command(BaseCommand):
    help = "Verify the audit log against its signed tree heads and the witness."
    # Verification needs only public keys: it must run where the signing key is absent (an
    # auditor's machine), which the signing-key system check would otherwise refuse.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--print-public-key",
            action="store_true",
            help="print the signing key's public half (base64 and PEM) and exit",
        )
        parser.add_argument(
            "--public-key",
            action="append",
            default=[],
            help="an extra public key (base64 or PEM) heads may be signed with; repeatable",
        )

    def handle(self, *args, print_public_key: bool, public_key: list[str], **options):
        if print_public_key:
            self._print_public_key()
            return
        keys = known_public_keys(extra=public_key)
        if not keys:
            raise CommandError(
                "No public key to check signatures with: configure the signing key "
                "(AUDIT_SIGNING_KEY_FILE) or pass --public-key."
            )
        report = audit_verify(public_keys=keys)
        lag = seal_lag_get()
        self.stdout.write(
            f"Checked {report.heads} tree heads and {report.events} sealed events in "
            f"{report.seconds:.2f} s; {report.unsealed_events} events not yet sealed; "
            f"witness holds {report.witnessed_heads} heads "
            f"({report.unwitnessed_heads} newer heads not yet witnessed)."
        )
        if report.transitions:
            self.stdout.write(
                f"Epoch {report.epoch} checked in full; {report.transitions} transition head(s) "
                "join it to earlier epochs, checked by their signed heads only."
            )
        if report.ok and lag.stalled:
            raise CommandError(
                f"SEALING STALLED: the sealed log is intact, but {lag}. Events written since "
                "are not protected: start the sealer (Celery beat and worker, or "
                "`python manage.py seal_audit`) and find out what stopped it.",
                returncode=SEALING_STALLED,
            )
        if report.ok:
            self.stdout.write(self.style.SUCCESS("The audit log is intact."))
            self.stdout.write(f"Sealing is keeping up: {lag}.")
            return
        if lag.stalled:
            self.stderr.write(f"also: sealing has stalled: {lag}")
        for problem in report.problems[1:]:
            self.stderr.write(f"also: {problem}")
        raise CommandError(
            f"TAMPERING DETECTED: {report.problems[0]} ({len(report.problems)} problem(s) found)",
            returncode=1,
        )

    def _print_public_key(self) -> None:
        from base64 import b64encode

        from cryptography.hazmat.primitives import serialization

        public = signing_key().public_key()
        self.stdout.write(f"key id: {key_id_for(public)}")
        self.stdout.write(f"base64: {b64encode(public_key_raw(public)).decode()}")
        pem = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.stdout.write(pem.decode().rstrip())
