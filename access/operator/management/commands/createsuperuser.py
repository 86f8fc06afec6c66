"""``createsuperuser`` refused, pointing at ``create_system_admin``.

Django's command makes an all-powerful account whose password the operator types. Here
nobody chooses another person's password, admins read no child data, and every role is
checked against its organisation (role ceilings): the first admin is made by
``create_system_admin``, who then chooses their own password on a one-time link.
"""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Refused: use `python manage.py create_system_admin` (see its --help)."

    def add_arguments(self, parser):
        # Accept Django's own options so scripts calling them get this message, not a usage
        # error.
        parser.add_argument("--username")
        parser.add_argument("--email")
        parser.add_argument("--noinput", "--no-input", action="store_true")
        parser.add_argument("--database")

    def handle(self, *args, **options):
        raise CommandError(
            "createsuperuser is not used in ContactPoint: superusers would bypass the role "
            "rules, and nobody sets another person's password. Create the first admin with\n"
            "  python manage.py create_system_admin --username NAME --email ADDRESS\n"
            "and open the one-time link it prints to choose a password."
        )
