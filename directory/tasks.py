"""Celery tasks of the directory: thin, idempotent, retried with backoff."""

from celery import shared_task
from django.db import DatabaseError
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


@shared_task(bind=True, max_retries=3, retry_backoff=True)
def feed_upload_import_task(self, upload_id: int) -> str:
    """Import one uploaded feed file. Idempotent: a finished upload is left alone, and a
    second delivery while the first runs returns "busy" (``feed_upload_run``). Retried only
    when even recording the failure failed (the database was unreachable)."""
    from directory.feeds.uploads import feed_upload_run

    try:
        return feed_upload_run(upload_id=upload_id)
    except DatabaseError as error:
        raise self.retry(exc=error) from error


@shared_task(bind=True, max_retries=3, retry_backoff=True)
def retention_apply_task(self) -> dict:
    """Archive and destroy as of today (idempotent: a second run the same day finds nothing)."""
    from directory.retention import retention_apply

    try:
        result = retention_apply(today=timezone.localdate())
    except DatabaseError as error:
        raise self.retry(exc=error) from error
    return {"archived": result.archived, "destroyed": result.destroyed}
