"""Feed files uploaded on the feeds page: queued for the worker, imported there with the
progress written where the page can see it, then forgotten.

Rule (who): only a vetted data manager of a local authority's children's services uploads
feeds, and sees the uploads of their own authority's users and no others; anyone else's
upload is "not found", so whether it exists does not leak.
Rule (personal data): the file's bytes are deleted as soon as its import has finished,
whatever the outcome.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from access.gateway.break_glass import system_actor_for
from access.gateway.shielding import manages_shielding
from access.models import User, vetting_problems
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record_now
from contactpoint.errors import Refused
from directory.models import FeedUpload

from .schema import RowError
from .service import feed_import

logger = logging.getLogger(__name__)

# pg_try_advisory_xact_lock's first key: "feed upload" (the second is the upload's id).
_LOCK_SPACE = 0x46454544
# The uploads list shows this many, newest first.
RECENT_UPLOADS = 50
FAILED_MESSAGE = (
    "The import stopped because of an unexpected error. Nothing was changed. "
    "Upload the file again; if it happens again, tell your ContactPoint support team."
)
NOT_QUEUED_MESSAGE = (
    "The file could not be passed to the importer. Nothing was changed. Upload it again."
)


class FeedsNotAllowed(Exception):
    """Not a data manager of a local authority: the feeds pages answer 404."""


class FeedsRefused(Refused):
    """A data manager who may not use ContactPoint today (vetting), with the reasons."""


class UploadTooLarge(ValueError):
    """Bigger than ``FEED_UPLOAD_MAX_BYTES``: refused before anything is stored."""


def too_large_message(size: int) -> str:
    limit = settings.FEED_UPLOAD_MAX_BYTES
    return (
        f"The file must be {filesizeformat(limit)} or smaller; this one is "
        f"{filesizeformat(size)}. Split it into smaller files and upload each."
    )


def feeds_authority(*, user: User, actor: Actor, today: date) -> int:
    """The local authority whose uploads ``user`` works with (see the module's rule).

    Rule (vetting): feeds write children's details, so a data manager whose organisation is
    not accredited or whose own DBS check, training or agreement has lapsed is refused, and
    the refusal is on the log; anyone who is not a data manager is told nothing.
    """
    organisation = user.organisation
    # The authority's data managers: the same test as for shields and the review queue.
    if organisation is None or not manages_shielding(
        user=user, local_authority_id=organisation.local_authority_id
    ):
        raise FeedsNotAllowed
    problems = vetting_problems(user, today=today)
    if problems:
        access_event_record_now(
            actor=actor,
            action=AccessEvent.Action.REFUSED,
            outcome=AccessEvent.Outcome.REFUSED,
            criteria={"page": "feeds"},
            reason=" ".join(problems),
        )
        raise FeedsRefused(problems)
    return organisation.local_authority_id


def feed_uploads_recent(*, local_authority_id: int) -> QuerySet[FeedUpload]:
    """The authority's latest uploads, without their bytes."""
    return (
        FeedUpload.objects.filter(uploaded_by__organisation__local_authority_id=local_authority_id)
        .defer("data")
        .select_related("uploaded_by", "batch")[:RECENT_UPLOADS]
    )


def feed_upload_get(*, local_authority_id: int, upload_id: int) -> FeedUpload:
    """One upload of the authority's users; ``FeedUpload.DoesNotExist`` for any other."""
    return (
        FeedUpload.objects.defer("data")
        .select_related("uploaded_by", "batch")
        .get(pk=upload_id, uploaded_by__organisation__local_authority_id=local_authority_id)
    )


def feed_upload_errors(upload: FeedUpload) -> list[RowError]:
    """A rejected file's problems, as its batch keeps them; none for any other outcome."""
    if upload.status != FeedUpload.Status.REJECTED or upload.batch is None:
        return []
    return [RowError(row, field, message) for row, field, message in upload.batch.errors]


def feed_upload_queue(*, user: User, source: str, filename: str, data: bytes) -> FeedUpload:
    """Store the file and hand it to the worker once the row is committed (the worker must
    find it). A broker that cannot be reached fails the upload at once, bytes deleted,
    rather than leaving it waiting for ever."""
    if len(data) > settings.FEED_UPLOAD_MAX_BYTES:
        raise UploadTooLarge(too_large_message(len(data)))
    with transaction.atomic():
        upload = FeedUpload(
            source=source, filename=filename[:255], size=len(data), uploaded_by=user
        )
        upload.file_seal(data)
        upload.save(force_insert=True)
        transaction.on_commit(lambda: _send(upload.pk))
    return upload


def _send(upload_id: int) -> None:
    from directory.tasks import feed_upload_import_task

    try:
        feed_upload_import_task.delay(upload_id)
    except Exception:  # the broker being unreachable: say so on the upload, keep nothing
        logger.exception("feed upload %s not queued", upload_id)
        _finish_failed(upload_id, NOT_QUEUED_MESSAGE)


def feed_upload_run(*, upload_id: int, today: date | None = None) -> str:
    """Import one upload and record what happened; return its status.

    Idempotent: a finished upload is left as it is, and an upload another worker is running
    (a second delivery of the task) is left to it ("busy"). The import and its outcome
    commit together, so an upload is never "applied" without its batch; the progress goes
    through a second connection (see ``_progress_write``) so the page sees it meanwhile.
    """
    try:
        with transaction.atomic():
            if not _lock(upload_id):
                return "busy"
            upload = FeedUpload.objects.select_related("uploaded_by").filter(pk=upload_id).first()
            if upload is None or upload.finished:
                return upload.status if upload else "missing"
            _progress_write(upload_id, status=FeedUpload.Status.RUNNING, started_at=timezone.now())
            result = feed_import(
                data=upload.file_open(),
                filename=upload.filename,
                source=upload.source,
                actor=_actor(upload.uploaded_by),
                user=upload.uploaded_by,
                progress=lambda done, total: _progress_write(upload_id, done=done, total=total),
                today=today,
                keep_rejected=True,
            )
            records = result.counts.get("records", 0)
            FeedUpload.objects.filter(pk=upload_id).update(
                status=result.status, batch=result.batch, data=None, failure="",
                done=records, total=records, finished_at=timezone.now(),
            )  # fmt: skip
            return result.status
    except Exception:
        logger.exception("feed upload %s failed", upload_id)
        _finish_failed(upload_id, FAILED_MESSAGE)
        return FeedUpload.Status.FAILED


def _lock(upload_id: int) -> bool:
    """One worker per upload, until its transaction ends (a crashed worker's lock goes with
    its session, so a redelivered task can start again)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, upload_id])
        return cursor.fetchone()[0]


def _progress_write(upload_id: int, **fields) -> None:
    """Write progress where the page can see it while the import's own transaction is open:
    through ``AUDIT_NOW_DATABASE`` (the same database and role in a session of its own,
    committing at once; under the tests' settings the same connection)."""
    alias = settings.AUDIT_NOW_DATABASE
    with transaction.atomic(using=alias):
        FeedUpload.objects.using(alias).filter(pk=upload_id).update(**fields)


def _finish_failed(upload_id: int, message: str) -> None:
    """Failed, bytes deleted; an outcome already committed (a late error) stays as it is."""
    imported = [FeedUpload.Status.APPLIED, FeedUpload.Status.ALREADY, FeedUpload.Status.REJECTED]
    FeedUpload.objects.filter(pk=upload_id).exclude(status__in=imported).update(
        status=FeedUpload.Status.FAILED, data=None, failure=message, finished_at=timezone.now()
    )


def _actor(user: User) -> Actor:
    """The uploader, as the import's audit event names them (no request in the worker)."""
    return dataclasses.replace(system_actor_for(user), user_agent="feeds page upload (worker)")
