"""``python manage.py restore PATH --database NAME``: a backup into a fresh database.

The database must exist, be empty and be reachable with the configured connection's host,
port and role (the owner); the roles the dump grants to must exist on that server. The
restore is one transaction; then run ``verify_audit`` against it.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from contactpoint.backup import BackupBroken, database_restore


class Command(BaseCommand):
    help = "Restore an encrypted backup into a fresh, empty database on the same server."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path")
        parser.add_argument("--database", required=True, help="name of the empty database")

    def handle(self, *args, **options) -> None:
        target = {**connections["default"].settings_dict, "NAME": options["database"]}
        if target["NAME"] == connections["default"].settings_dict["NAME"]:
            raise CommandError("restore into a fresh database, never the one in use")
        try:
            total = database_restore(Path(options["path"]), target)
        except BackupBroken as error:
            raise CommandError(f"the backup does not open: {error}") from None
        self.stdout.write(f"restored {total:,} bytes of dump into {target['NAME']}")
