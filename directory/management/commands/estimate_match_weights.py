"""``python manage.py estimate_match_weights [--pairs N] [--seed S]``

Measures how often random pairs of different children agree at each level of the matcher
(its u probabilities) and refreshes the family-name frequencies; searches use the new
weights within minutes. Beat runs it nightly. See docs/matching.md.
"""

from django.core.management.base import BaseCommand, CommandError

from access.gateway.match_estimate import match_weights_estimate


class Command(BaseCommand):
    help = "Estimate the matcher's u probabilities from random pairs of this directory's children."

    def add_arguments(self, parser):
        parser.add_argument("--pairs", type=int, default=20000, help="pairs to compare")
        parser.add_argument("--seed", type=int, default=1, help="seed of the random sample")

    def handle(self, *args, pairs: int, seed: int, **options):
        if pairs < 1:
            raise CommandError("--pairs must be a positive number")
        try:
            estimate = match_weights_estimate(pairs=pairs, seed=seed)
        except ValueError as error:
            # Too few children to measure is not a failure: the weights already in use stay.
            self.stdout.write(f"{error} The weights in use stay as they are.")
            return
        self.stdout.write(
            f"Compared {estimate.pairs} pairs; {estimate.frequencies_changed} family-name "
            "frequencies changed."
        )
        for field, levels in estimate.u.items():
            shares = ", ".join(f"{level}: {share:.5f}" for level, share in levels.items())
            self.stdout.write(f"  u[{field}] = {shares}")
