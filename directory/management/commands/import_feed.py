"""``python manage.py import_feed PATH --source SOURCE``: one feed file, whole or not at all.

Exit status: 0 when the file was applied or had been applied before (nothing changed); 1
when any row is wrong (nothing changed; the problems are printed, and written as CSV to
``--errors`` when given).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.writer import Actor
from directory.feeds.service import error_report_csv, feed_import
from directory.models import FeedSource

COMMAND_ACTOR = Actor(
    user_id=None,
    username="import_feed",
    role="system",
    organisation_id=None,
    ip_address=None,
    user_agent="manage.py import_feed",
)
SHOWN_ERRORS = 20


class StageClock:
    """Prints each stage of the import as it ends, with the seconds since the start and since
    the stage before, and the CPU seconds this process spent in the stage (all its threads:
    on a busy machine the wall time says little about the import's own cost), on a line of
    its own (ending a progress line first if one is open)."""

    def __init__(self, out, started: float) -> None:
        self.out, self.started, self.last = out, started, started
        self.cpu_last = time.process_time()
        self.mid_line = False

    def __call__(self, what: str) -> None:
        now, cpu = time.monotonic(), time.process_time()
        ended = "\n" if self.mid_line else ""
        self.out.write(
            f"{ended}[{now - self.started:7.1f} s, +{now - self.last:6.1f} s, "
            f"CPU +{cpu - self.cpu_last:6.1f} s] {what}"
        )
        self.last, self.cpu_last, self.mid_line = now, cpu, False

    def progress(self, done: int, total: int) -> None:
        """A progress line, written over itself (``\r``) until it ends."""
        self.out.write(f"\r{done:,} / {total:,} records", ending="")
        self.mid_line = done != total
        if not self.mid_line:
            self.out.write("")


class Command(BaseCommand):
    help = "Import one feed file (CSV): checked whole, linked to the children held, applied."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--source", required=True, choices=FeedSource.values)
        parser.add_argument("--errors", type=Path, help="Write the error report (CSV) here.")

    def handle(self, *args, path: Path, source: str, errors: Path | None, **options):
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from error
        started = time.monotonic()
        clock = StageClock(self.stderr, started)
        verbose = sys.stderr.isatty() or options["verbosity"] > 1
        result = feed_import(
            data=data,
            filename=path.name,
            source=source,
            actor=COMMAND_ACTOR,
            progress=clock.progress if verbose else None,
            stage=clock if verbose else None,
        )
        if result.status == "rejected":
            self._rejected(result.errors, errors)
        if result.status == "already":
            self.stdout.write(
                f"{path.name} was applied before (batch {result.batch.pk}): nothing changed."
            )
            return
        counts = ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items()))
        took = time.monotonic() - started
        self.stdout.write(
            f"Applied {path.name} as batch {result.batch.pk} in {took:.1f} s: {counts}."
        )

    def _rejected(self, problems, errors_path: Path | None) -> None:
        for problem in problems[:SHOWN_ERRORS]:
            self.stderr.write(f"row {problem.row}, {problem.field}: {problem.message}")
        if len(problems) > SHOWN_ERRORS:
            self.stderr.write(f"… and {len(problems) - SHOWN_ERRORS} more.")
        if errors_path:
            errors_path.write_text(error_report_csv(problems), encoding="utf-8")
            self.stderr.write(f"Error report: {errors_path}")
        raise CommandError(f"{len(problems)} problems: nothing was imported.", returncode=1)
