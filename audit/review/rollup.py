"""Stage 2: one row per user per local day (``ActivityDay``), the baselines' memory.

It runs after stage 1 has explained the day's lookups (the review lag is far longer than the
explain chunks' delay), so each day also counts the distinct children opened that nothing
but residence explains — the unexplained-lookup aggregates' memory. That count is taken
again when the day settles (``activity_day_settle``, ``MISUSE_FOLLOW_UP_DAYS`` later), with
what followed each lookup, and once more at the late settle (``activity_day_settle_late``).
It also counts the day's searches that led to no record opened (a search is explained by
what it found and the user opened that day)."""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from access.gateway.lookup_facts import lookup_facts_settle, lookup_facts_settle_late
from audit.models import RECORD_LOOKUP_ACTIONS, AccessEvent, LookupExplanation

from .windows import Window

# A user's unexplained children on a day: the distinct children of their lookups that
# nothing stronger than residence explains. One text for the rollup and the settled count.
_UNEXPLAINED_CHILDREN = """count(DISTINCT e.child_public_id) FILTER (
        WHERE e.action = ANY(%(lookups)s) AND e.child_public_id <> ''
          AND coalesce(x.strength, 0) <= %(weak)s)"""

_ROLLUP = f"""
INSERT INTO audit_activityday (
    actor_id, day, actor_role, organisation_id, lookups, off_hours_lookups, searches,
    distinct_children, break_glass, directory_searches, unexplained_children
)
SELECT e.actor_id, %(day)s, max(e.actor_role), max(e.organisation_id),
    count(*) FILTER (WHERE e.action = ANY(%(lookups)s)),
    count(*) FILTER (WHERE e.action = ANY(%(lookups)s) AND (
        extract(hour FROM e.occurred_at AT TIME ZONE %(tz)s) < %(opens)s
        OR extract(hour FROM e.occurred_at AT TIME ZONE %(tz)s) >= %(closes)s
        OR extract(isodow FROM e.occurred_at AT TIME ZONE %(tz)s) >= 6)),
    count(*) FILTER (WHERE e.action = %(search)s),
    count(DISTINCT e.child_public_id) FILTER (WHERE e.action = ANY(%(lookups)s)),
    count(*) FILTER (WHERE e.action = %(break_glass)s),
    count(*) FILTER (WHERE e.action = %(directory_search)s),
    {_UNEXPLAINED_CHILDREN}
FROM audit_accessevent e
LEFT JOIN audit_lookupexplanation x ON x.event_id = e.id
WHERE e.occurred_at >= %(start)s AND e.occurred_at < %(end)s AND e.actor_id IS NOT NULL
GROUP BY e.actor_id
ON CONFLICT (actor_id, day) DO NOTHING
"""  # noqa: S608 - this module's constant fragment only


def fruitless_searches_sql(*, one_actor: bool = False) -> str:
    """``WITH`` clauses ending in ``fruitless(id, actor_id)``: the searches between
    %(start)s and %(end)s after which their user opened none of the children found that
    (local, %(tz)s) day, or that found nobody — of every user, or of %(actor)s alone.

    Rule (issue 21): a search is explained by the record it led to, as a lookup is by a
    relation. One text for the day's count (the roll-up) and the alert's evidence
    (``unexplained_user``), which spans several days. Results are matched to the lookups by
    hashing, not per search."""
    actor = "AND actor_id = %(actor)s" if one_actor else ""
    return f"""
WITH e AS (
    SELECT id, actor_id, action, result_ids, child_public_id,
           (occurred_at AT TIME ZONE %(tz)s)::date AS local_day
    FROM audit_accessevent
    WHERE occurred_at >= %(start)s AND occurred_at < %(end)s AND actor_id IS NOT NULL {actor}
      AND (action = %(search)s OR (action = ANY(%(lookups)s) AND child_public_id <> ''))
), opened AS (
    SELECT DISTINCT actor_id, local_day, child_public_id FROM e WHERE action <> %(search)s
), fruitful AS (
    SELECT DISTINCT s.id
    FROM e s CROSS JOIN LATERAL unnest(s.result_ids) AS r(child_public_id)
    JOIN opened o ON o.actor_id = s.actor_id AND o.local_day = s.local_day
                 AND o.child_public_id = r.child_public_id
    WHERE s.action = %(search)s
), fruitless AS (
    SELECT s.id, s.actor_id FROM e s
    WHERE s.action = %(search)s AND NOT EXISTS (SELECT 1 FROM fruitful f WHERE f.id = s.id)
)"""  # noqa: S608 - a constant fragment only


def fruitless_searches_params(start, end) -> dict:
    """The parameters ``fruitless_searches_sql`` names, but the actor."""
    return {
        "start": start,
        "end": end,
        "tz": settings.TIME_ZONE,
        "search": AccessEvent.Action.SEARCH,
        "lookups": list(RECORD_LOOKUP_ACTIONS),
    }


_FRUITLESS = f"""{fruitless_searches_sql()}
UPDATE audit_activityday a SET fruitless_searches = f.fruitless
FROM (SELECT actor_id, count(*) AS fruitless FROM fruitless GROUP BY actor_id) f
WHERE a.actor_id = f.actor_id AND a.day = %(day)s
"""  # noqa: S608 - this module's constant fragment only


def activity_day_rollup(window: Window) -> int:
    """Roll up one local day; returns the number of users active that day."""
    opens, closes = settings.MISUSE_WORKING_HOURS
    with connection.cursor() as cursor:
        cursor.execute(
            _ROLLUP,
            {
                "day": window.day,
                "lookups": list(RECORD_LOOKUP_ACTIONS),
                "search": AccessEvent.Action.SEARCH,
                "break_glass": AccessEvent.Action.BREAK_GLASS,
                "directory_search": AccessEvent.Action.DIRECTORY_SEARCH,
                "weak": LookupExplanation.Strength.WEAK,
                "tz": settings.TIME_ZONE,
                "opens": opens,
                "closes": closes,
                "start": window.start,
                "end": window.end,
            },
        )
        active = cursor.rowcount
        cursor.execute(
            _FRUITLESS,
            {"day": window.day, **fruitless_searches_params(window.start, window.end)},
        )
        return active


_RESETTLE = f"""
UPDATE audit_activityday a SET unexplained_children = s.unexplained
FROM (
    SELECT e.actor_id, {_UNEXPLAINED_CHILDREN} AS unexplained
    FROM audit_accessevent e
    LEFT JOIN audit_lookupexplanation x ON x.event_id = e.id
    WHERE e.occurred_at >= %(start)s AND e.occurred_at < %(end)s AND e.actor_id IS NOT NULL
      AND e.action = ANY(%(lookups)s) AND e.child_public_id <> ''
    GROUP BY e.actor_id
) s
WHERE a.actor_id = s.actor_id AND a.day = %(day)s
  AND a.unexplained_children IS DISTINCT FROM s.unexplained
"""  # noqa: S608 - this module's constant fragment only


def activity_day_settle(window: Window) -> int:
    """Explain one local day's weak lookups again once the days that follow them have passed
    (``lookup_facts_settle``), and count its unexplained children again; returns how many
    lookups were explained again."""
    return _day_count_again(window, lookup_facts_settle(start=window.start, end=window.end))


def activity_day_settle_late(window: Window) -> int:
    """Explain one local day's still-weak lookups by a case opened up to
    ``MISUSE_LATE_FOLLOW_UP_DAYS`` after them (``lookup_facts_settle_late``), and count its
    unexplained children again: later days' detectors read the day with what it turned out
    to be. Returns how many lookups are now explained."""
    return _day_count_again(window, lookup_facts_settle_late(start=window.start, end=window.end))


def _day_count_again(window: Window, again: int) -> int:
    """The day's unexplained children counted again, when ``again`` lookups changed."""
    if again:
        with connection.cursor() as cursor:
            cursor.execute(
                _RESETTLE,
                {
                    "day": window.day,
                    "weak": LookupExplanation.Strength.WEAK,
                    "lookups": list(RECORD_LOOKUP_ACTIONS),
                    "start": window.start,
                    "end": window.end,
                },
            )
    return again
