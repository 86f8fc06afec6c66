"""Scraping: harvesting many children rather than finding one.

Threat: someone copying the directory. Four shapes, any one of which raises the alert:
- a burst — many distinct children within an hour, with seconds between them;
- a wide day — many distinct children, mostly ones the data explains only weakly or not at
  all (residence, nothing), which is not what a caseload looks like; or many times the
  user's own usual day, however well explained (a teacher copying their own school);
- a walk — searches whose family names go in alphabetical order, or whose dates of birth step
  a day at a time;
- blind searching — many searches and (almost) no record ever opened, which is how someone
  checks who exists.
Walks and blind searching are counted over the last ``spread_days`` days (for users who
searched in the window), so spreading them over several days does not hide them.
"""

from __future__ import annotations

from datetime import timedelta

from audit.models import AccessEvent

from ..windows import DAY, Window
from .base import EVIDENCE_CAP, Detector, Finding, rows

_BURSTS = """
WITH l AS (
    SELECT actor_id, event_id, occurred_at, child_public_id, basis,
           extract(epoch FROM occurred_at - lag(occurred_at)
               OVER (PARTITION BY actor_id ORDER BY occurred_at, event_id)) AS gap
    FROM audit_lookupexplanation
    WHERE occurred_at >= %(start)s AND occurred_at < %(end)s AND actor_id IS NOT NULL
), per_hour AS (
    SELECT actor_id, date_trunc('hour', occurred_at) AS hour,
           count(DISTINCT child_public_id) AS children,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS median_gap,
           (array_agg(event_id ORDER BY event_id))[1:%(cap)s] AS ids, count(*) AS n
    FROM l GROUP BY actor_id, date_trunc('hour', occurred_at)
), per_day AS (
    SELECT actor_id, count(DISTINCT child_public_id) AS children,
           avg((basis IN ('residence', 'none'))::int) AS weak_share,
           (array_agg(event_id ORDER BY event_id))[1:%(cap)s] AS ids, count(*) AS n
    FROM l GROUP BY actor_id
), wide AS (
    SELECT d.*, coalesce((
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a.distinct_children)
        FROM audit_activityday a
        WHERE a.actor_id = d.actor_id AND a.day >= %(since)s AND a.day < %(day)s), 0) AS usual
    FROM per_day d WHERE d.children >= %(day_children)s
)
SELECT 'burst', actor_id, children, median_gap, ids, n FROM per_hour
WHERE children >= %(burst_children)s AND median_gap <= %(burst_gap)s
UNION ALL
SELECT 'wide', actor_id, children, weak_share, ids, n FROM wide
WHERE weak_share >= %(weak_share)s
UNION ALL
SELECT 'usual', actor_id, children, usual, ids, n FROM wide
WHERE weak_share < %(weak_share)s AND children >= %(day_ratio)s * greatest(usual, 1)
"""

_SEARCHES = """
WITH s AS (
    SELECT e.actor_id, e.id, cp_name_key(coalesce(e.criteria->>'family_name', '')) AS name,
           nullif(e.criteria->>'date_of_birth', '')::date AS born
    FROM audit_accessevent e
    WHERE e.occurred_at >= %(since)s AND e.occurred_at < %(end)s AND e.action = %(search)s
      AND e.actor_id IS NOT NULL
      AND e.actor_id IN (
          SELECT actor_id FROM audit_activityday WHERE day = %(day)s AND searches > 0)
), steps AS (
    SELECT actor_id, id, name, born,
           lag(name) OVER (PARTITION BY actor_id ORDER BY id) AS previous_name,
           lag(born) OVER (PARTITION BY actor_id ORDER BY id) AS previous_born
    FROM s
), searchers AS (
    SELECT actor_id, count(*) AS searches, count(DISTINCT name) AS names,
           count(*) FILTER (WHERE name > previous_name) AS ascending,
           count(*) FILTER (WHERE born - previous_born BETWEEN 1 AND 2) AS day_steps,
           (array_agg(id ORDER BY id))[1:%(cap)s] AS ids
    FROM steps GROUP BY actor_id
)
SELECT s.actor_id, s.searches, s.names, s.ascending, s.day_steps, s.ids,
       (SELECT count(*) FROM audit_lookupexplanation x
        WHERE x.actor_id = s.actor_id AND x.occurred_at >= %(since)s
          AND x.occurred_at < %(end)s) AS opened
FROM searchers s WHERE s.searches >= least(%(walk)s, %(blind)s)
"""


def find(window: Window, params: dict) -> list[Finding]:
    reasons: dict[int, list[str]] = {}
    evidence: dict[int, tuple[list[int], int]] = {}

    def note(actor_id: int, reason: str, ids: list[int], count: int) -> None:
        reasons.setdefault(actor_id, []).append(reason)
        held_ids, held_count = evidence.get(actor_id, ([], 0))
        evidence[actor_id] = (sorted(set(held_ids) | set(ids))[:EVIDENCE_CAP], held_count + count)

    span = {"start": window.start, "end": window.end, "cap": EVIDENCE_CAP}
    for shape, actor_id, children, measure, ids, n in rows(
        _BURSTS,
        {
            **span,
            "burst_children": params["burst_children"],
            "burst_gap": params["burst_median_gap_seconds"],
            "day_children": params["day_children"],
            "weak_share": params["day_unexplained_share"],
            "day_ratio": params["day_usual_ratio"],
            "day": window.day,
            "since": window.day - timedelta(days=params["history_days"]),
        },
    ):
        if shape == "burst":
            note(actor_id, f"{children} children in one hour, {measure:.0f} s apart", ids, n)
        elif shape == "usual":
            note(actor_id, f"{children} children in a day, against a usual {measure:g}", ids, n)
        else:
            note(actor_id, f"{children} children in a day, {measure:.0%} not on a caseload", ids, n)
    spread = window.end - timedelta(days=params["spread_days"])
    seen: set[tuple[int, str]] = set()
    for since, over in ((window.start, "today"), (spread, f"in {params['spread_days']} days")):
        for actor_id, shape, count, ids in _search_shapes(window, params, since=since):
            if (actor_id, shape) not in seen:
                seen.add((actor_id, shape))
                note(actor_id, f"{count} searches {over} {shape}", ids, count)
    return [
        Finding(
            subject_id=actor_id,
            severity="high",
            summary="Looks like harvesting: " + "; ".join(found) + ".",
            evidence_ids=evidence[actor_id][0],
            evidence_count=evidence[actor_id][1],
            key=window.day.isoformat(),
        )
        for actor_id, found in sorted(reasons.items())
    ]


def _search_shapes(window: Window, params: dict, *, since) -> list[tuple[int, str, int, list]]:
    """Walks and blind searching among the searches since ``since`` of users who searched in
    the window. Run for the day alone (a walk in a busy day) and for the last few days (a
    walk spread out), since each hides the other."""
    found = []
    for actor_id, searches, names, ascending, day_steps, ids, opened in rows(
        _SEARCHES,
        {
            "start": window.start,
            "end": window.end,
            "cap": EVIDENCE_CAP,
            "since": since,
            "day": window.day,
            "search": AccessEvent.Action.SEARCH,
            "walk": params["walk_searches"],
            "blind": params["blind_searches"],
        },
    ):
        steps, sorted_share = max(searches - 1, 1), params["walk_sorted_share"]
        if searches >= params["walk_searches"]:
            if names >= params["walk_searches"] and ascending / steps >= sorted_share:
                found.append((actor_id, "walking the alphabet", searches, ids))
            elif day_steps / steps >= sorted_share:
                found.append((actor_id, "stepping through birth dates", searches, ids))
        if searches >= params["blind_searches"] and opened <= searches // 20:
            found.append((actor_id, f"with {opened} records opened", searches, ids))
    return found


DETECTOR = Detector(
    name="scraping",
    label="Scraping pattern",
    window=DAY,
    find=find,
    explanation=(
        "Someone may be copying the directory rather than finding one child: many different "
        "children opened within minutes, many children the records do not explain, searches "
        "that walk through names in alphabetical order or dates of birth a day at a time, "
        "or many searches with almost no record ever opened."
    ),
)
