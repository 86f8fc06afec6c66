"""``python manage.py rotate_keys``: rotate the keys that seal addresses and contacts.

Runs while the service runs (``directory/sealing/rotation.py``): re-wraps every data key
under the current key-encryption key, makes a new field key current, seals every child and
carer again under it in batches, and with ``--drop-unused`` deletes retired keys no row uses.
"""

from django.core.management.base import BaseCommand

from directory.sealing.rotation import keys_rotate


class Command(BaseCommand):
    help = "Re-wrap data keys, make a new field key and seal every row again under it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch", type=int, default=1000, help="rows per transaction")
        parser.add_argument(
            "--pause", type=float, default=0.0, help="seconds between batches (to go gently)"
        )
        parser.add_argument(
            "--rewrap-only",
            action="store_true",
            help="only wrap the data keys under the current key-encryption key",
        )
        parser.add_argument(
            "--no-new-key",
            action="store_true",
            help="seal again rows left under older keys without making a new one",
        )
        parser.add_argument(
            "--drop-unused", action="store_true", help="delete retired keys no row uses"
        )

    def handle(self, *args, **options) -> None:
        def progress(model, done: int) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"{model._meta.db_table}: {done:,} sealed again")

        rewrap_only = options["rewrap_only"]
        result = keys_rotate(
            new_key=not (rewrap_only or options["no_new_key"]),
            reseal=not rewrap_only,
            drop_unused=options["drop_unused"],
            batch=options["batch"],
            pause=options["pause"],
            progress=progress,
        )
        self.stdout.write(f"data keys wrapped again under the current key: {result.rewrapped}")
        if result.new_key:
            self.stdout.write(f"new field key: {result.new_key}")
            self.stdout.write(f"new audit key: {result.new_audit_key}")
        for table, count in result.resealed.items():
            self.stdout.write(f"{table}: {count:,} rows sealed again")
        if options["drop_unused"]:
            self.stdout.write(f"retired keys deleted: {result.dropped}")
