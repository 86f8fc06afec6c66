"""``python manage.py backup --output PATH``: an encrypted pg_dump of the database.

Run it as the owner role (``DATABASE_URL`` = the owner's URL, as for ``migrate``). The file
opens only with the key-encryption key (``FIELD_KEK_FILE``/``FIELD_KEK``); see
docs/encryption.md for where to keep each.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from contactpoint.backup import database_backup


class Command(BaseCommand):
    help = "Write an encrypted pg_dump (custom format) of the database to --output."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", required=True, help="a new file (never overwritten)")

    def handle(self, *args, **options) -> None:
        path = Path(options["output"])
        if path.exists():
            raise CommandError(f"{path} exists; a backup never overwrites a file")
        total = database_backup(connections["default"].settings_dict, path)
        self.stdout.write(f"{path}: {total:,} bytes of dump, encrypted")
