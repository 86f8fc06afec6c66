"""Fake lookups: how often each explanation holds by chance (issue 21, session 12).

An explanation is evidence only if it holds for real lookups more often than for lookups
nobody had a reason for. Fabbri and LeFevre judged their explanation templates this way:
beside the real log, a fake one of random user-patient pairs, and a template was worth
keeping when it explained many real accesses and few fake ones. Here each ordinary lookup
of the evaluated days (by users nobody planted) gets a fake twin: the same user, moment,
action and organisation, and a child drawn at random from the authority of the user's
organisation — the children residence would let a children's-services user open. The twins
are explained by the application's own statement (``access.gateway.lookup_facts``), as
settled (with what followed, ``MISUSE_FOLLOW_UP_DAYS``), in a schema of their own that
shadows the log and the explanations on the search path, so nothing of the real review is
touched and no relation is written twice.

The synthetic world is dense (a social worker per 100 children, a case opened after more
than half of their residents' lookups), so a random child is often explained: the fake
share is what an explanation is worth there, and the difference is what it tells a
reviewer.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

SCHEMA = "bench_fake"

_TWINS = f"""
INSERT INTO {SCHEMA}.audit_accessevent
    (id, occurred_at, actor_id, organisation_id, action, outcome, child_public_id)
SELECT e.id, e.occurred_at, e.actor_id, e.organisation_id, e.action, e.outcome,
       a.public_ids[1 + abs(hashint8(e.id)) %% array_length(a.public_ids, 1)]
FROM public.audit_lookupexplanation x
JOIN public.audit_accessevent e ON e.id = x.event_id
JOIN public.directory_organisation o ON o.id = e.organisation_id
JOIN (SELECT local_authority_id, array_agg(public_id ORDER BY id) AS public_ids
      FROM public.directory_child GROUP BY local_authority_id) a
  ON a.local_authority_id = o.local_authority_id
WHERE (x.occurred_at AT TIME ZONE %(tz)s)::date BETWEEN %(first)s AND %(last)s
  AND NOT EXISTS (SELECT 1 FROM public.bench_truth t WHERE t.user_id = x.actor_id)
"""  # noqa: S608 - constants only

_SHARES = """
SELECT count(*), count(*) FILTER (WHERE x.strength >= 2),
       count(*) FILTER (WHERE x.strength >= 2 AND u.job_title = ANY(%(services)s)),
       count(*) FILTER (WHERE u.job_title = ANY(%(services)s))
FROM {table} x JOIN public.access_user u ON u.id = x.actor_id
WHERE x.event_id IN (SELECT id FROM {schema}.audit_accessevent)
"""

# Each relation: the lookups it explains, and those it alone explains (nothing else but
# residence holds: what it adds; for residence, the lookups nothing else explains).
_RELATIONS = """
SELECT relation, count(*),
       count(*) FILTER (WHERE x.relations = ARRAY[relation]
                           OR array_remove(x.relations, 'residence') = ARRAY[relation])
FROM {table} x, unnest(x.relations) relation
WHERE x.event_id IN (SELECT id FROM {schema}.audit_accessevent) GROUP BY 1
"""

# The profiles whose lookups residence alone may allow (``world.STAFFING``).
_SERVICES = ["social_worker", "child_protection", "data_manager", "emergency_duty"]


def fake_lookups_print(first: date, last: date, *, keep: bool = False, late: bool = False) -> None:
    """Explain a fake twin of every ordinary lookup and print, beside the real lookups, the
    share explained by more than residence and the share each relation explains; ``keep``
    leaves the twins and their explanations in the schema for inspection; ``late``: the twins
    also go through the late settle (``MISUSE_LATE_FOLLOW_UP_DAYS``), as the real lookups
    have by then."""
    from access.gateway.lookup_facts import (
        lookup_facts_record,
        lookup_facts_settle,
        lookup_facts_settle_late,
    )

    local = ZoneInfo(settings.TIME_ZONE)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {SCHEMA}")
        cursor.execute(
            f"CREATE TABLE {SCHEMA}.audit_accessevent AS SELECT id, occurred_at, actor_id, "
            "organisation_id, action, outcome, child_public_id "
            "FROM public.audit_accessevent WHERE false"
        )
        cursor.execute(
            f"CREATE TABLE {SCHEMA}.audit_lookupexplanation "
            "(LIKE public.audit_lookupexplanation INCLUDING DEFAULTS INCLUDING INDEXES)"
        )
        cursor.execute(_TWINS, {"tz": settings.TIME_ZONE, "first": first, "last": last})
        cursor.execute(f"SELECT min(id), max(id) FROM {SCHEMA}.audit_accessevent")
        low, high = cursor.fetchone()
        if low is None:
            return
        cursor.execute(f"ANALYZE {SCHEMA}.audit_accessevent")
        cursor.execute("SHOW search_path")
        (path,) = cursor.fetchone()
        cursor.execute(f"SET search_path = {SCHEMA}, {path}")
        try:
            # The review's own steps: a first pass, then the weak ones again once what
            # followed them is known (and, with ``late``, by a case opened later still).
            lookup_facts_record(after_id=low - 1, through_id=high)
            start = datetime.combine(first, time(), tzinfo=local)
            end = datetime.combine(last + timedelta(days=1), time(), tzinfo=local)
            lookup_facts_settle(start=start, end=end)
            if late:
                lookup_facts_settle_late(start=start, end=end)
        finally:
            cursor.execute(f"SET search_path = {path}")
        figures = {}
        for label, table in (("real", "public.audit_lookupexplanation"),
                             ("fake", f"{SCHEMA}.audit_lookupexplanation")):  # fmt: skip
            cursor.execute(_SHARES.format(table=table, schema=SCHEMA), {"services": _SERVICES})
            total, explained, services_explained, services = cursor.fetchone()
            cursor.execute(_RELATIONS.format(table=table, schema=SCHEMA))
            relations = {name: (n, alone) for name, n, alone in cursor.fetchall()}
            figures[label] = (total, explained, services_explained, services, relations)
        if not keep:
            cursor.execute(f"DROP SCHEMA {SCHEMA} CASCADE")
    _print(figures)


def _print(figures) -> None:
    real, fake = figures["real"], figures["fake"]
    services = f"real {real[2] / max(real[3], 1):.1%}, fake {fake[2] / max(fake[3], 1):.1%}"
    print(f"\nFake lookups (each ordinary lookup's twin: same user and moment, a random child "
          f"of their authority), explained by more than residence: real "
          f"{real[1] / real[0]:.1%}, fake {fake[1] / fake[0]:.1%}; children's-services users "
          f"{services}")  # fmt: skip
    print("\n| relation | real lookups | fake lookups | real ÷ fake | real, alone | fake, alone |")
    print("|---|---|---|---|---|---|")
    names = sorted(set(real[4]) | set(fake[4]), key=lambda r: -real[4].get(r, (0, 0))[0])
    for relation in names:
        (rn, ra), (fn, fa) = real[4].get(relation, (0, 0)), fake[4].get(relation, (0, 0))
        ratio = f"{(rn / real[0]) / (fn / fake[0]):.1f}" if fn else "–"
        print(
            f"| {relation} | {rn / real[0]:.1%} | {fn / fake[0]:.1%} | {ratio} | "
            f"{ra / real[0]:.1%} | {fa / fake[0]:.1%} |"
        )
