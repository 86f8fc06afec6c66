"""Score the pipeline's alerts against what was planted, and print the tables.

Ground truth: a planted user counts as detected when any alert about them is raised by the
detector(s) of their kind within the evaluated days. Precision: alerts about planted users
(of any kind) over all alerts. Alerts per 100 users per day: over the evaluated days.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from zoneinfo import ZoneInfo

from django.db import connection

from .planted import KINDS

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
    for kind, (detectors, tuned, untuned) in KINDS.items():
        for variant in tuned + untuned:
            members = groups.get((kind, variant), [])
            if not members:
                continue
            hit = sum(1 for u in members if flagged[u] & set(detectors))
            detected_all += hit
            label = "tuned" if variant in tuned else "untuned"
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
    for label in ("tuned", "untuned"):
        if by_tuning[label, "planted"]:
            overall[f"recall_{label}"] = by_tuning[label, "hit"] / by_tuning[label, "planted"]
    print(
        f"\nOverall: {overall['planted']} planted users, recall {overall['recall']:.2f} "
        + " ".join(f"({k[7:]} {v:.2f})" for k, v in overall.items() if k.startswith("recall_"))
        + f", {overall['alerts']} alerts, precision {overall['precision']:.2f}, "
        f"{overall['rate']:.3f} alerts per 100 users per day"
    )
    return overall
