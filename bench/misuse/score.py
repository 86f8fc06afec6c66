"""Score the pipeline's alerts against what was planted, and print the tables.

Ground truth: a planted user counts as detected when any alert about them is raised within
the evaluated days by the detector(s) of their kind or by one of the explanation-based
detectors (``GENERIC``, which look for no kind in particular); a user of a kind nobody built a
detector for (``NEW_KINDS``) by any detector. Precision: alerts about planted users (of any
kind) over all alerts. Alerts per 100 users per day: over the evaluated days.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from zoneinfo import ZoneInfo

from django.db import connection

from .planted import KINDS, NEW_KINDS

# Detectors that read what no relation explains, per user (children and searches), per child
# and per household: they are built for no planted kind, so an alert from one counts for any
# kind.
GENERIC = ("unexplained_user", "unexplained_searches", "unexplained_child", "unexplained_household")


def accepts(kind: str, detector: str) -> bool:
    """Whether an alert from ``detector`` about a user planted with ``kind`` finds them."""
    if kind in NEW_KINDS:
        return True
    return detector in KINDS[kind][0] or detector in GENERIC


def variants_labelled() -> list[tuple[str, str, str]]:
    """(kind, variant, label) for every planted shape: tuned, untuned or new."""
    shapes = [(kind, v, "tuned") for kind, (_d, tuned, _u) in KINDS.items() for v in tuned]
    shapes += [(kind, v, "untuned") for kind, (_d, _t, untuned) in KINDS.items() for v in untuned]
    shapes += [(kind, v, "new") for kind, variants in NEW_KINDS.items() for v in variants]
    return sorted(shapes, key=lambda shape: list(KINDS).index(shape[0]) if shape[0] in KINDS
                  else len(KINDS) + list(NEW_KINDS).index(shape[0]))  # fmt: skip


LONDON = ZoneInfo("Europe/London")


def truth_save(subjects: dict[int, tuple[str, str]]) -> None:
    """Keep the ground truth beside the data, so ``--reuse`` can score a re-run."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_truth "
            "(user_id bigint PRIMARY KEY, kind text NOT NULL, variant text NOT NULL)"
        )
        cursor.execute("TRUNCATE bench_truth")
        cursor.executemany(
            "INSERT INTO bench_truth VALUES (%s, %s, %s)",
            [(user, kind, variant) for user, (kind, variant) in subjects.items()],
        )


def truth_load() -> dict[int, tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT user_id, kind, variant FROM bench_truth")
        return {user: (kind, variant) for user, kind, variant in cursor.fetchall()}


def alerts_read(first: date, last: date) -> list[tuple[str, int, str]]:
    """(detector, subject id, subject's job) of each alert whose window lies in the days."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.detector, a.subject_id, u.job_title FROM audit_alert a "
            "JOIN access_user u ON u.id = a.subject_id "
            "WHERE (a.window_start AT TIME ZONE 'Europe/London')::date BETWEEN %s AND %s",
            [first, last],
        )
        return cursor.fetchall()


def score_print(
    *, truth: dict[int, tuple[str, str]], alerts, users: int, days: int
) -> dict[str, float]:
    """Print the per-kind, per-detector and overall tables; return the overall figures."""
    flagged: dict[int, set[str]] = defaultdict(set)
    for detector, subject, _job in alerts:
        flagged[subject].add(detector)
    print("\n| kind | variant | planted | detected | recall |")
    print("|---|---|---|---|---|")
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for user, key in truth.items():
        groups[key].append(user)
    detected_all = 0
    by_tuning = Counter()
    for kind, variant, label in variants_labelled():
        members = groups.get((kind, variant), [])
        if not members:
            continue
        hit = sum(1 for u in members if any(accepts(kind, d) for d in flagged[u]))
        detected_all += hit
        by_tuning[label, "planted"] += len(members)
        by_tuning[label, "hit"] += hit
        print(f"| {kind} | {variant} ({label}) | {len(members)} | {hit} | "
              f"{hit / len(members):.2f} |")  # fmt: skip
    print("\n| detector | alerts | about planted users | precision | alerts /100 users/day | "
          "false alarms by job |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    per_detector: dict[str, list] = defaultdict(list)
    for detector, subject, job in alerts:
        per_detector[detector].append((subject, job))
    for detector in sorted(per_detector):
        rows = per_detector[detector]
        true = sum(1 for subject, _ in rows if subject in truth)
        false_jobs = Counter(job for subject, job in rows if subject not in truth)
        jobs = ", ".join(f"{job} {n}" for job, n in false_jobs.most_common(4)) or "-"
        print(f"| {detector} | {len(rows)} | {true} | {true / len(rows):.2f} | "
              f"{100 * len(rows) / users / days:.3f} | {jobs} |")  # fmt: skip
    true_alerts = sum(1 for _d, subject, _j in alerts if subject in truth)
    overall = {
        "planted": len(truth),
        "recall": detected_all / len(truth) if truth else 0.0,
        "precision": true_alerts / len(alerts) if alerts else 0.0,
        "alerts": len(alerts),
        "rate": 100 * len(alerts) / users / days,
    }
    for label in ("tuned", "untuned", "new"):
        if by_tuning[label, "planted"]:
            overall[f"recall_{label}"] = by_tuning[label, "hit"] / by_tuning[label, "planted"]
    print(
        f"\nOverall: {overall['planted']} planted users, recall {overall['recall']:.2f} "
        + " ".join(f"({k[7:]} {v:.2f})" for k, v in overall.items() if k.startswith("recall_"))
        + f", {overall['alerts']} alerts, precision {overall['precision']:.2f}, "
        f"{overall['rate']:.3f} alerts per 100 users per day"
    )
    return overall


def explained_print(first: date, last: date, built: date | None = None) -> None:
    """How the ordinary lookups (by users nobody planted) of the evaluated days were
    explained: the share at each strength and with each relation, and the share explained
    by more than residence (residence puts a whole authority in scope: permission, not a
    reason)."""
    where = (
        "WHERE (x.occurred_at AT TIME ZONE 'Europe/London')::date BETWEEN %s AND %s "
        "AND NOT EXISTS (SELECT 1 FROM bench_truth t WHERE t.user_id = x.actor_id)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT x.strength, count(*) FROM audit_lookupexplanation x {where} "  # noqa: S608
            "GROUP BY 1 ORDER BY 1 DESC",
            [first, last],
        )
        strengths = dict(cursor.fetchall())
        cursor.execute(
            "SELECT relation, count(*) FROM audit_lookupexplanation x, "  # noqa: S608
            f"unnest(x.relations) relation {where} GROUP BY 1 ORDER BY 2 DESC",
            [first, last],
        )
        relations = cursor.fetchall()
    total = sum(strengths.values()) or 1
    names = {3: "strong", 2: "medium", 1: "weak (residence only)", 0: "none"}
    print(f"\nOrdinary lookups: {total:,}; strongest relation: "
          + ", ".join(f"{names.get(k, k)} {n / total:.1%}" for k, n in strengths.items())
          + "; with each relation: "
          + ", ".join(f"{r} {n / total:.1%}" for r, n in relations)
          + f"; explained by more than residence "
          f"{sum(n for k, n in strengths.items() if k >= 2) / total:.1%}")  # fmt: skip
    if built is not None:
        _trace_cases_print(first, last, built, total)


# The share still explained when the cases ``traces.py`` opened after other lookups, before
# this lookup's day, are ignored: the synthetic world is dense (a social worker per 100
# children), so within weeks most of an authority's children have such a case and a later,
# uniformly drawn "new" child is explained by one; real authorities open far fewer.
_WITHOUT_TRACE_CASES = """
SELECT count(*) FILTER (WHERE x.strength >= 2 AND (
    x.relations && %(own_traces)s::varchar[]
    OR EXISTS (SELECT 1 FROM directory_involvement i
               WHERE i.child_id = c.id AND i.organisation_id = u.organisation_id
                 AND i.started_on < %(built)s)
    OR ('household' = ANY(x.relations) AND EXISTS (
        SELECT 1 FROM directory_child sib JOIN directory_involvement i ON i.child_id = sib.id
        WHERE sib.family_key = c.family_key AND sib.postcode_index = c.postcode_index
          AND sib.id <> c.id AND i.organisation_id = u.organisation_id
          AND i.started_on < %(built)s))))
FROM audit_lookupexplanation x
JOIN access_user u ON u.id = x.actor_id
LEFT JOIN directory_child c ON c.public_id = x.child_public_id
WHERE (x.occurred_at AT TIME ZONE 'Europe/London')::date BETWEEN %(first)s AND %(last)s
  AND NOT EXISTS (SELECT 1 FROM bench_truth t WHERE t.user_id = x.actor_id)
"""


def _trace_cases_print(first: date, last: date, built: date, total: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            _WITHOUT_TRACE_CASES,
            {
                "own_traces": ["contact_request", "case_opened", "record_upkeep", "grant",
                               "shield_role"],
                "built": built, "first": first, "last": last,
            },
        )  # fmt: skip
        kept = cursor.fetchone()[0]
    print(f"Explained by more than residence without the cases traces.py opened after other "
          f"lookups (the world's density): {kept / total:.1%}")  # fmt: skip
