"""Unexplained lookups per user, against their own history and their peers', over a day, a
week and four weeks.

Threat: a user who opens children nothing connects them to — the authority's residents, whom
residence lets them see but no case, team, household, request or grant explains — a few more
each day than their work needs; no day is big enough for ``volume_spike`` or ``scraping``,
but the drip adds up. The signal is the *share* of the distinct children a user opened that
are unexplained (``ActivityDay.unexplained_children`` ÷ ``distinct_children``, so a busy day
is not suspicious in itself), tested against chance: P(at least this many unexplained of this
many opened) when each is unexplained with the usual share — the larger of the user's own
share in the four weeks before this week and their peers' (the same role in the same
organisation, five or more of them) over the last four weeks — is ≤ ``max_chance``, and at
least ``min_excess`` children above that usual. Today and the last seven days are tested
against both; the last 28 days against the peers only (the user's own history is the period
itself). A user with neither history nor peers is not measured.

Searches are judged by the same test (``measure_find``) in ``unexplained_searches``, with
thresholds of their own (session 12: one setting for both let the searches' chance alarms
decide how strict the children's test must be).
"""

from __future__ import annotations

from datetime import timedelta

from ..rollup import fruitless_searches_params, fruitless_searches_sql
from ..windows import DAY, Window
from .base import EVIDENCE_CAP, Detector, Finding, rows
from .chance import binomial_at_least

# One measure's counts per candidate user: today, the last 7 days, the 4 weeks before them and
# the last 28 days (``{k}`` of ``{n}``), and their peers' over the last 28 days. A candidate is
# anyone with something unexplained today, a child or a search: each span is tested on any
# such day, for both measures.
_COUNTS = """
WITH candidates AS (
    SELECT actor_id, organisation_id, actor_role FROM audit_activityday
    WHERE day = %(day)s AND (unexplained_children > 0 OR fruitless_searches > 0)
), mine AS (
    SELECT a.actor_id,
        coalesce(sum(a.{k}) FILTER (WHERE a.day = %(day)s), 0),
        coalesce(sum(a.{n}) FILTER (WHERE a.day = %(day)s), 0),
        coalesce(sum(a.{k}) FILTER (WHERE a.day > %(week)s), 0),
        coalesce(sum(a.{n}) FILTER (WHERE a.day > %(week)s), 0),
        coalesce(sum(a.{k}) FILTER (WHERE a.day <= %(week)s), 0),
        coalesce(sum(a.{n}) FILTER (WHERE a.day <= %(week)s), 0),
        coalesce(sum(a.{k}) FILTER (WHERE a.day > %(month)s), 0),
        coalesce(sum(a.{n}) FILTER (WHERE a.day > %(month)s), 0)
    FROM audit_activityday a JOIN candidates USING (actor_id)
    WHERE a.day > %(history)s AND a.day <= %(day)s
    GROUP BY a.actor_id
), peers AS (
    SELECT a.organisation_id, a.actor_role, sum(a.{k}) AS k, sum(a.{n}) AS n,
           count(DISTINCT a.actor_id) AS users
    FROM audit_activityday a
    WHERE a.day > %(month)s AND a.day <= %(day)s
      AND a.organisation_id IN (SELECT organisation_id FROM candidates)
    GROUP BY a.organisation_id, a.actor_role
)
SELECT m.*, p.k, p.n, p.users
FROM mine m JOIN candidates c USING (actor_id)
LEFT JOIN peers p ON p.organisation_id = c.organisation_id AND p.actor_role = c.actor_role
"""

_EVIDENCE = """
SELECT event_id FROM audit_lookupexplanation
WHERE actor_id = %(actor)s AND occurred_at >= %(start)s AND occurred_at < %(end)s
  AND strength <= 1
ORDER BY event_id
"""

# The user's searches in the span after which they opened none of the children found that
# (local) day: the roll-up's own rule, for one user.
_FRUITLESS_EVIDENCE = f"""{fruitless_searches_sql(one_actor=True)}
SELECT id FROM fruitless ORDER BY id
"""  # noqa: S608 - the roll-up's constant fragment only

# What each measure counts (of ``ActivityDay``: what, of how many), and how an alert says it
# (its words, what it was counted of).
_MEASURES = {
    "children": (("unexplained_children", "distinct_children"),
                 "Opened {k} children {label} whom nothing connects them to but where they live",
                 "opened"),
    "searches": (("fruitless_searches", "searches"),
                 "Ran {k} searches {label} after which they opened none of the children found",
                 "run"),
}  # fmt: skip


def find(window: Window, params: dict) -> list[Finding]:
    return measure_find(window, params, "children")


def measure_find(window: Window, params: dict, measure: str) -> list[Finding]:
    """Every user active today whose share of ``measure`` (``_MEASURES``) is improbable
    against their usual and their peers'. One test, written once, for the two detectors that
    read a share of a user's day: unexplained children here, fruitless searches in
    ``unexplained_searches`` — each with its own thresholds, since the two counts differ in
    how chance scatters them (a search retried with another spelling is not a new child)."""
    day = window.day
    (k, n), _words, _verb = _MEASURES[measure]
    found = rows(
        _COUNTS.format(k=k, n=n),
        {
            "day": day,
            "week": day - timedelta(days=7),
            "month": day - timedelta(days=28),
            "history": day - timedelta(days=35),
        },
    )
    findings = []
    for row in found:
        actor, mine, peers = row[0], row[1:9], row[9:]
        hit = _test(mine, peers, params)
        if hit is not None:
            findings.append(_finding(window, actor, measure, *hit))
    return findings


def _test(mine, peers, params) -> tuple | None:
    """The first of today, the last 7 days and the last 28 days whose unexplained count is
    improbable against the usual share: (label, count, of, share, chance, days back)."""
    kd, nd, kw, nw, kh, nh, km, nm = mine
    peer = _peer_share(*peers, km, nm, params)
    own = kh / nh if nh >= params["min_history_children"] else None
    usual = max((s for s in (own, peer) if s is not None), default=None)
    tests = []
    if usual is not None:
        tests += [("today", kd, nd, usual, 0), ("in the last 7 days", kw, nw, usual, 6)]
    if peer is not None:
        tests.append(("in the last 28 days", km, nm, peer, 27))
    for label, k, n, share, back in tests:
        share = max(share, params["min_share"])
        chance = binomial_at_least(int(k), int(n), share)
        if chance <= params["max_chance"] and k - n * share >= params["min_excess"]:
            return label, k, n, share, chance, back
    return None


def _peer_share(unexplained, opened, users, mine_k, mine_n, params) -> float | None:
    """The peers' share without the user's own, when there are enough peers."""
    if users is None or users - 1 < params["min_peers"]:
        return None
    rest_n = opened - mine_n
    return (unexplained - mine_k) / rest_n if rest_n >= params["min_history_children"] else None


def _finding(window, actor, measure, label, k, n, share, chance, back) -> Finding:
    start = window.start - timedelta(days=back)
    span = {"actor": actor, "start": start, "end": window.end}
    if measure == "children":
        ids = [row[0] for row in rows(_EVIDENCE, span)]
    else:
        more = fruitless_searches_params(start, window.end)
        ids = [row[0] for row in rows(_FRUITLESS_EVIDENCE, {"actor": actor, **more})]
    _columns, what, verb = _MEASURES[measure]
    return Finding(
        subject_id=actor,
        severity="medium",
        summary=(
            f"{what.format(k=k, label=label)} "
            f"(of {n} {verb}; usually {share:.0%}); chance of that many: {chance:.1g}."
        ),
        evidence_ids=ids[:EVIDENCE_CAP],
        evidence_count=len(ids),
        key=window.day.isoformat(),
    )


DETECTOR = Detector(
    name="unexplained_user",
    label="Unexplained lookups",
    window=DAY,
    find=find,
    settled=True,
    explanation=(
        "Raised when a larger share of the children someone opened had no connection to "
        "them in the records — no case of theirs or their team's, no work of their "
        "organisation with the child or the family, no request, no case opened in the "
        "days after — than is usual for them and for colleagues in the same role, over a "
        "day, a week or four weeks, and by more than chance would give. It is raised a few "
        "days after the "
        "lookups, once any case they led to would be in the records. Each lookup below "
        "shows what the records say about it."
    ),
)
