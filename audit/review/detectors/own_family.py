"""A user looking up children who share their own family name or address.

Threat: the 2009 misuse — staff "testing" the system on relatives, neighbours, an ex-partner's
children. Users' family name and home postcode are held for this. A lookup on the user's own
caseload is explained whatever the name; searching for one's own family name again and again
is not, and a break-glass search of the whole directory for it counts too (issue 14, finding
8): it reaches relatives nobody in the user's organisation works with.

A match alone is weak evidence: users live where they work, so someone who opens many
children, or whose family name is not rare, meets namesakes and neighbours by chance. The
detector compares the day's matches with what chance predicts for this user — the distinct
children they opened (off their caseload) times the share of children who would match: for
the family name, its share of the day's searches by everyone else (a Przybylski is searched
for far less often than a Smith); for the postcode, the share of everyone else's lookups
that day that were of a child at the looker's own postcode. It alerts when that many
matches are very unlikely by chance (Poisson tail ≤ ``max_chance``), or when nothing in the
data (no involvement, no residence) explains a matched lookup. The log says nothing else
that tells a relative from a coincidence: both are one record opened in the user's scope.

The day's shares are counts of what others did, and a count can be zero: nobody else that
day searched the name or met a neighbour. A zero share made any match "impossible by
chance" and raised it at every setting (issue 21, session 13: 7 of the 12 false alarms on
the tuning seed, such as a GP who opened twelve children, one at their own postcode). Each
share is therefore the day's count smoothed toward the directory's: the share of the matched
child's authority's children at the user's postcode, or carrying their family name, which
is never zero for a match that happened (the matched child is one of them). The directory
share is a prior worth one match — ``(others' matches + 1) / (others' lookups + 1 / share)``,
the posterior mean under a beta prior with that share as its mean and ``1 / share`` lookups
as its weight — so a day with enough lookups to expect a match of its own outweighs it.
Smoothed, not replaced: where the day's log is large (a national day) the day's share still
decides, and it carries what the directory cannot — how people actually search (a rare name
is rarely searched for) and which children they actually open; the directory alone supposes
every child of the authority equally likely to be opened. Read once per run, for the users
with a match only, through the (authority, family name) and postcode indexes.
"""

from __future__ import annotations

from access.gateway.lookup_facts import directory_shares
from audit.models import AccessEvent

from ..windows import DAY, Window
from .base import EVIDENCE_CAP, Detector, Finding, rows
from .chance import poisson_at_least

# Per user with a match today: distinct children opened off their caseload, how many of them
# live at the user's postcode or share their (not common) family name, whether nothing
# explains one; everyone else's lookups today and how many of them were of a child at the
# looker's own postcode (the user's own matches must not explain themselves); and the first
# at-home child and namesake opened, whose authority's shares the gateway reads
# (``directory_shares``: the review does not read the child table itself).
_MATCHES = """
WITH pairs AS MATERIALIZED (
    SELECT actor_id, child_public_id, bool_or(shares_address) AS at_home,
           bool_or(shares_family_name AND NOT common_family_name) AS namesake,
           bool_or(basis = 'none') AS unexplained,
           array_agg(event_id ORDER BY event_id) AS ids
    FROM audit_lookupexplanation
    WHERE occurred_at >= %(start)s AND occurred_at < %(end)s AND actor_id IS NOT NULL
      AND basis <> 'own_caseload'
    GROUP BY actor_id, child_public_id
), everyone AS (
    SELECT count(*) AS pairs, count(*) FILTER (WHERE at_home) AS at_home FROM pairs
), evidence AS (
    SELECT actor_id, array_agg(id ORDER BY id) AS ids
    FROM pairs, unnest(ids) AS id WHERE at_home OR namesake GROUP BY actor_id
)
SELECT p.actor_id, count(*),
       count(*) FILTER (WHERE p.at_home), count(*) FILTER (WHERE p.namesake),
       bool_or(p.unexplained AND (p.at_home OR p.namesake)), e.ids,
       (SELECT at_home FROM everyone) - count(*) FILTER (WHERE p.at_home),
       (SELECT pairs FROM everyone) - count(*),
       min(p.child_public_id) FILTER (WHERE p.at_home),
       min(p.child_public_id) FILTER (WHERE p.namesake)
FROM pairs p JOIN evidence e USING (actor_id)
GROUP BY p.actor_id, e.ids
"""

# Per user searching today (in their scope or, after break-glass, the whole directory): how
# often they searched for their own family name, and how many of everyone else's searches
# were for it, of all the day's searches (for the users named in %(matched)s).
_SEARCHES = """
WITH searched AS MATERIALIZED (
    SELECT e.id, e.actor_id, cp_name_key(e.criteria->>'family_name') AS name
    FROM audit_accessevent e
    WHERE e.occurred_at >= %(start)s AND e.occurred_at < %(end)s
      AND e.action IN (%(search)s, %(directory_search)s)
      AND e.actor_id IS NOT NULL AND coalesce(e.criteria->>'family_name', '') <> ''
), users AS (
    SELECT id, cp_name_key(last_name) AS name FROM access_user
    WHERE last_name <> '' AND (id = ANY(%(matched)s) OR id IN (SELECT actor_id FROM searched))
), own AS (
    SELECT u.id, array_agg(s.id ORDER BY s.id) AS ids, count(*) AS searches
    FROM users u JOIN searched s ON s.actor_id = u.id AND s.name = u.name
    GROUP BY u.id
), others AS (
    SELECT u.id, count(s.id) AS searches
    FROM users u LEFT JOIN searched s ON s.name = u.name AND s.actor_id <> u.id
    WHERE u.id = ANY(%(matched)s)
    GROUP BY u.id
)
SELECT coalesce(own.id, others.id), own.ids, coalesce(own.searches, 0),
       coalesce(others.searches, 0), (SELECT count(*) FROM searched)
FROM own FULL JOIN others USING (id)
"""


def smoothed_share(matches: int, lookups: int, directory_share: float | None) -> float:
    """The day's share of others' lookups that matched, ``matches / lookups``, smoothed toward
    the directory's share with the weight of one match (see the module's docstring): never
    zero when the directory holds a child who matches. 0 when there is no directory share
    (the user has no match of this kind, so no share is asked for)."""
    if not directory_share:
        return 0.0
    return (matches + 1) / (lookups + 1 / directory_share)


def find(window: Window, params: dict) -> list[Finding]:
    span = {"start": window.start, "end": window.end}
    matches = rows(_MATCHES, span)
    shares = directory_shares({row[0]: (row[8], row[9]) for row in matches})
    searches = {
        actor_id: (ids or [], count, others, total)
        for actor_id, ids, count, others, total in rows(
            _SEARCHES,
            {
                **span,
                "matched": [row[0] for row in matches],
                "search": AccessEvent.Action.SEARCH,
                "directory_search": AccessEvent.Action.DIRECTORY_SEARCH,
            },
        )
    }
    found: dict[int, Finding] = {}
    for row in matches:
        actor_id, opened, at_home, namesakes, unexplained, ids = row[:6]
        neighbours_met, lookups = row[6:8]
        home_share, name_share = shares.get(actor_id, (None, None))
        _own, _count, name_searches, all_searches = searches.get(actor_id) or ([], 0, 0, 0)
        chance = min(
            poisson_at_least(at_home, opened * smoothed_share(neighbours_met, lookups, home_share)),
            poisson_at_least(
                namesakes, opened * smoothed_share(name_searches, all_searches, name_share)
            ),
        )
        if not unexplained and chance > params["max_chance"]:
            continue
        what = "at their own home postcode" if at_home else "with their own family name"
        found[actor_id] = Finding(
            subject_id=actor_id,
            severity="high" if at_home else "medium",
            summary=(
                f"Opened {at_home + namesakes} record(s) of children {what}, not on their "
                f"caseload, among {opened} children opened; "
                + ("nothing in the data explains it." if unexplained else f"chance {chance:.2%}.")
            ),
            evidence_ids=ids[:EVIDENCE_CAP],
            evidence_count=len(ids),
            key=window.day.isoformat(),
        )
    for actor_id, (ids, count, _others, _total) in searches.items():
        if actor_id not in found and count >= params["own_name_searches"]:
            found[actor_id] = Finding(
                subject_id=actor_id,
                severity="medium",
                summary=f"Searched {count} times for children with their own family name.",
                evidence_ids=ids[:EVIDENCE_CAP],
                evidence_count=count,
                key=window.day.isoformat(),
            )
    return [found[actor_id] for actor_id in sorted(found)]


DETECTOR = Detector(
    name="own_family",
    label="Own family name or address",
    window=DAY,
    find=find,
    explanation=(
        "Staff have misused directories like this one to look up relatives, neighbours or "
        "an ex-partner's children. This alert is raised when someone looks up children who "
        "share their own family name or home postcode more often than chance would explain, "
        "or when nothing in the records explains such a lookup. A match can be a "
        "coincidence: check before you act."
    ),
)
