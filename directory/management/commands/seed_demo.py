"""``manage.py seed_demo``: load a reproducible demo world into an empty directory.

Same ``--children`` and ``--seed`` give the same organisations, children, families and
public ids, so a demo or a bug report can be reproduced; the demo users' passwords and TOTP
secrets are fresh every time and written, owner-readable only, to ``--credentials``.
It never loads on top of real or earlier data: audit history refers to the children already
there, and nothing here deletes it.
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from access.gateway.match_estimate import family_frequencies_refresh
from access.models import User
from directory.demo.credentials import (
    credentials_entries,
    credentials_file_write,
    secrets_issue,
)
from directory.demo.history import REVIEWERS, history_allowed, history_load
from directory.demo.personas import USERNAMES
from directory.demo.places import AUTHORITIES
from directory.demo.world import world_build
from directory.demo.writer import world_write
from directory.models import Child, LocalAuthority


class Command(BaseCommand):
    help = "Load a deterministic demo world and write the demo users' credentials to a file."

    def add_arguments(self, parser):
        parser.add_argument("--children", type=int, default=5000, help="How many children.")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same world.")
        parser.add_argument(
            "--credentials",
            type=Path,
            required=True,
            help="JSON file for the demo users' passwords and TOTP secrets (mode 0600).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the directory already holds children (for `make run`).",
        )

    def handle(self, *args, children, seed, credentials, if_empty, **options):
        if children < 1:
            raise CommandError("--children must be at least 1.")
        if Child.objects.exists():
            if if_empty:
                self.stdout.write("The directory already holds children; demo world not loaded.")
                return
            raise CommandError(
                "The directory already holds children. seed_demo loads into an empty database "
                "only and never deletes anything (audit history refers to those children); "
                "use a fresh database, or --if-empty to skip quietly."
            )
        _refuse_partial_demo()
        if not credentials.parent.is_dir():
            raise CommandError(f"No directory {credentials.parent} for the credentials file.")
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as executor:
            issued = secrets_issue(usernames=USERNAMES, executor=executor)
            world = world_build(children=children, seed=seed, today=timezone.localdate())
            with transaction.atomic():
                counts = world_write(world=world, issued=issued)
                # The matcher weighs a family name by how common it is.
                family_frequencies_refresh()
                history = (
                    history_load(world=world, today=timezone.localdate())
                    if history_allowed()
                    else None
                )
                credentials_file_write(credentials, credentials_entries(world=world, issued=issued))
        self._summary(world, counts, credentials, time.perf_counter() - started)
        if history is not None:
            self._history_summary(history)

    def _summary(self, world, counts: dict[str, int], path: Path, seconds: float) -> None:
        ended = sum(1 for row in world.involvements if row.ended_on)
        write = self.stdout.write
        write(self.style.SUCCESS(f"Loaded the demo world (seed {world.seed}) in {seconds:.1f} s:"))
        write(
            f"  {counts['local authorities']} local authorities, "
            f"{counts['organisations']} organisations, {counts['practitioners']} practitioners"
        )
        write(
            f"  {counts['children']:,} children, {counts['carers']:,} carers, "
            f"{counts['involvements']:,} involvements ({ended:,} ended)"
        )
        write(f"  {counts['users']} demo users; credentials in {path} (mode 0600)")
        teacher = next(p for p in world.personas if p.username == "teacher.a")
        if teacher.example_surnames:
            names = " or ".join(f"'{name}'" for name in teacher.example_surnames)
            write(f"Try: log in as teacher.a and search for the family name {names}.")

    def _history_summary(self, history) -> None:
        self.stdout.write(
            f"  {history.events:,} back-dated lookups (a month of the personas' work) with "
            f"planted misuse by {', '.join(history.planted)}"
        )
        reviewers = sorted(set(REVIEWERS.values()))
        self.stdout.write(
            "Misuse review finds them (`make run` reviews before it serves; otherwise run "
            "`python manage.py review_misuse`): sign in as "
            + " or ".join(reviewers)
            + " and open Alerts."
        )


def _refuse_partial_demo() -> None:
    """Authorities or demo users without children mean someone set this database up by hand;
    loading on top would fail half-way on a duplicate, so say so plainly instead."""
    codes = [authority.code for authority in AUTHORITIES]
    if (
        LocalAuthority.objects.filter(code__in=codes).exists()
        or User.objects.filter(username__in=USERNAMES).exists()
    ):
        raise CommandError(
            "The database already has the demo's local authorities or users but no children; "
            "seed_demo loads into an empty database only."
        )
