"""Cloaked-enquiry notifications, written from the lookup log after the view.

Rule (cloaking): the enquirer's response is the same whether or not a cloaked involvement
exists — in body, status and timing. If the view's own transaction wrote the notification, a
record with a cloaked service would take a few inserts longer to show than one without. So the
view writes nothing extra; this job follows the log (``audit.log_follow``: each view event
handled exactly once, behind the safe watermark) and tells the services afterwards, within
``CLOAKED_ENQUIRY_SWEEP_SECONDS``. The view event is the notification's source of truth: it
exists exactly when the view did.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.utils import timezone

from access.models import User
from audit.log_follow import log_follow
from audit.models import RECORD_SHOWN_ACTIONS, AccessEvent
from directory.models import Child

from .cloaking import cloaked_enquiry_notify
from .scope import SQL, cloaked_away_sql, column_sql

STAGE = "cloaked_enquiries"


def _candidates_sql(*, after: int, through: int) -> SQL:
    """Only views of children who have an active cloaked involvement outside the viewer's
    own organisation on the day of the view need any work; the rest are skipped in SQL."""
    hidden, hidden_params = cloaked_away_sql(
        "i",
        organisation=column_sql("u.organisation_id"),
        day=("(e.occurred_at AT TIME ZONE %s)::date", [settings.TIME_ZONE]),
    )
    sql = f"""
SELECT e.occurred_at, e.actor_id, e.purpose, c.id
FROM audit_accessevent e
JOIN directory_child c ON c.public_id = e.child_public_id
JOIN access_user u ON u.id = e.actor_id
WHERE e.id > %s AND e.id <= %s
  AND e.action = ANY(%s) AND e.outcome = %s
  AND EXISTS (
      SELECT 1 FROM directory_involvement i WHERE i.child_id = c.id AND {hidden}
  )
ORDER BY e.id
"""  # noqa: S608 - the scope fragment; every value is a parameter
    params = [after, through, list(RECORD_SHOWN_ACTIONS), AccessEvent.Outcome.SHOWN]
    return sql, params + hidden_params


def cloaked_enquiries_process(*, chunk_events: int = 20_000, wait_seconds: float = 2.0) -> int:
    """Notify cloaked services of every view logged since the last run; return how many
    notifications were written (repeats within a window fold into one)."""
    return log_follow(
        stage=STAGE, chunk_events=chunk_events, handle=_chunk, wait_seconds=wait_seconds
    ).handled


def _chunk(after: int, through: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(*_candidates_sql(after=after, through=through))
        views = cursor.fetchall()
    if not views:
        return 0
    children = Child.objects.in_bulk([child_id for *_, child_id in views])
    viewers = User.objects.select_related("organisation").in_bulk(
        [actor_id for _, actor_id, *_ in views]
    )
    written = 0
    for occurred_at, actor_id, purpose, child_id in views:
        written += cloaked_enquiry_notify(
            child=children[child_id],
            viewer=viewers[actor_id],
            purpose=purpose,
            now=occurred_at,
            today=timezone.localdate(occurred_at),
        )
    return written
