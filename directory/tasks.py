"""Celery tasks of the directory: thin, idempotent, retried with backoff."""

from celery import shared_task
from django.utils import timezone

from access.gateway.match_estimate import match_weights_estimate

# Nightly pairs: enough for the rarest levels to be seen a few times in a national directory.
NIGHTLY_PAIRS = 50000


@shared_task(bind=True, max_retries=3, retry_backoff=True)
def match_weights_estimate_task(self) -> int:
    """Re-measure the matcher's u probabilities (a new row each night; the newest is used)."""
    try:
        # A new sample each night (the seed is the day), the same one if the night reruns.
        seed = timezone.localdate().toordinal()
        return match_weights_estimate(pairs=NIGHTLY_PAIRS, seed=seed).pairs
    except ValueError:
        return 0  # too few children yet: the defaults stay
