"""``python manage.py create_system_admin``: the first system admin of a new installation.

Everyone else is created in Django admin; this is how the first admin comes to exist without
anyone choosing a password for them (``access.services.system_admin_bootstrap``).
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from access.services import BootstrapRefused, system_admin_bootstrap


class Command(BaseCommand):
    help = "Create a system admin and print a one-time link on which they choose a password."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Where the site is served, to print the link in full.",
        )

    def handle(self, *args, **options):
        try:
            user, path = system_admin_bootstrap(
                username=options["username"],
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
            )
        except BootstrapRefused as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(f"Created system admin {user.username}.")
        self.stdout.write("Give them this one-time link to choose a password (it stops working")
        self.stdout.write("once used or after PASSWORD_RESET_TIMEOUT):")
        self.stdout.write(options["base_url"].rstrip("/") + path)
