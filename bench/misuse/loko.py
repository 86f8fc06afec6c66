"""Leave-one-kind-out: thresholds chosen without the kind they are measured on (issue 21).

Each detector is re-run over the same month at a few settings of its thresholds (``GRID``:
the committed ones, a looser and a stricter set). For each planted kind in turn, every
detector's setting is chosen on the *other* kinds only — the one that maximises (planted
users of the other kinds it finds) − ``FALSE_ALARM_COST`` × (alerts about unplanted users),
ties to the committed setting, then to fewer false alarms; alerts about the held-out kind's
users are ignored while choosing. Recall on the held-out kind with those settings is its
held-out recall: what the detectors would catch of a kind nobody had tuned them on. A
detector that serves only the held-out kind sees no catch while choosing, so it falls to
whatever setting costs the fewest false alarms: that is the point.

``FALSE_ALARM_COST`` 4: a setting is worth one more catch only at no more than four false
alarms more, which is the goal's precision of 0.80 at the margin. Each detector is chosen
on its own (a user found by two detectors counts for both), which ignores their overlap.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager

from django.conf import settings

from .score import accepts

FALSE_ALARM_COST = 4
COMMITTED = "committed"

# detector -> {setting label: threshold overrides}; the committed setting is implied.
GRID: dict[str, dict[str, dict]] = {
    "break_glass_peers": {"looser": {"robust_z": 3.0, "min_count": 2},
                          "stricter": {"robust_z": 6.0, "min_count": 4}},
    "volume_spike": {"looser": {"robust_z": 6.0, "min_ratio": 3.0, "three_day_ratio": 2.0},
                     "stricter": {"robust_z": 14.0, "min_ratio": 6.0, "three_day_ratio": 4.0}},
    "off_hours": {"looser": {"min_off_hours_lookups": 5, "burst_ratio": 2.0},
                  "stricter": {"min_off_hours_lookups": 12, "burst_ratio": 5.0}},
    "scraping": {"looser": {"burst_children": 15, "day_children": 50, "day_usual_ratio": 6.0,
                            "walk_searches": 8, "blind_searches": 20},
                 "stricter": {"burst_children": 40, "day_children": 120, "day_usual_ratio": 15.0,
                              "walk_searches": 18, "blind_searches": 45}},
    "shielded": {"looser": {"repeat_views": 2, "day_repeat_views": 3},
                 "stricter": {"repeat_views": 4, "day_repeat_views": 6}},
    "own_family": {"looser": {"max_chance": 0.01}, "stricter": {"max_chance": 0.0001}},
    "rubber_stamp": {"looser": {"median_seconds": 600, "endorse_share": 0.9},
                     "stricter": {"median_seconds": 120, "min_judgements": 8}},
    "unexplained_user": {"looser": {"max_chance": 1e-2}, "stricter": {"max_chance": 1e-6}},
    "unexplained_searches": {"looser": {"max_chance": 1e-2}, "stricter": {"max_chance": 1e-6}},
    "unexplained_child": {"looser": {"max_chance": 1e-4}, "stricter": {"max_chance": 1e-8}},
    "unexplained_household": {"looser": {"max_chance": 1e-4}, "stricter": {"max_chance": 1e-8}},
}  # fmt: skip


@contextmanager
def thresholds(detector: str, overrides: dict):
    """The detector's thresholds with ``overrides`` for the duration; restored after."""
    params = settings.MISUSE_DETECTORS[detector]
    saved = dict(params)
    params.update(overrides)
    try:
        yield
    finally:
        params.clear()
        params.update(saved)


def grid_points(detectors) -> list[tuple[str, str, dict]]:
    """(detector, label, overrides) of every non-committed setting of these detectors."""
    return [
        (detector, label, overrides)
        for detector in detectors
        for label, overrides in GRID.get(detector, {}).items()
    ]


def _choose(detector, points, truth, held):
    """The setting of ``detector`` chosen without the kind ``held`` (None: all kinds)."""
    best = None
    for order, (label, subjects) in enumerate(points.items()):
        hits = sum(
            1
            for user in set(subjects)
            if user in truth and truth[user][0] != held and accepts(truth[user][0], detector)
        )
        false = sum(1 for user in subjects if user not in truth)
        key = (hits - FALSE_ALARM_COST * false, label == COMMITTED, -false, -order)
        if best is None or key > best[0]:
            best = (key, label)
    return best[1]


def loko_print(*, truth, runs, users: int, days: int) -> dict[str, float]:
    """``runs``: detector -> setting label -> list of alert subjects (one per alert).
    Print per kind the recall with committed thresholds and with thresholds chosen without
    that kind; return the overall held-out recall and the in-sample figures."""
    kinds: dict[str, list[int]] = defaultdict(list)
    for user, (kind, _variant) in truth.items():
        kinds[kind].append(user)
    print("\n| kind | planted | recall, committed | recall, held out | settings chosen "
          "without it (where not committed) |")  # fmt: skip
    print("|---|---|---|---|---|")
    held_hits = committed_hits = 0
    for kind, members in kinds.items():
        choice = {d: _choose(d, points, truth, kind) for d, points in runs.items()}
        held = _found(kind, members, runs, choice)
        committed = _found(kind, members, runs, {d: COMMITTED for d in runs})
        held_hits += held
        committed_hits += committed
        moved = ", ".join(f"{d} {label}" for d, label in choice.items() if label != COMMITTED)
        print(f"| {kind} | {len(members)} | {committed / len(members):.2f} | "
              f"{held / len(members):.2f} | {moved or '-'} |")  # fmt: skip
    everything = {d: _choose(d, points, truth, None) for d, points in runs.items()}
    alerts = [s for d, label in everything.items() for s in runs[d][label]]
    true = sum(1 for s in alerts if s in truth)
    found = sum(_found(k, m, runs, everything) for k, m in kinds.items())
    summary = {
        "held_out_recall": held_hits / len(truth),
        "committed_recall": committed_hits / len(truth),
        "in_sample_recall": found / len(truth),
        "in_sample_precision": true / len(alerts) if alerts else 0.0,
        "in_sample_rate": 100 * len(alerts) / users / days,
    }
    moved = ", ".join(f"{d} {label}" for d, label in everything.items() if label != COMMITTED)
    print(f"\nLeave-one-kind-out: held-out recall {summary['held_out_recall']:.2f} "
          f"(committed thresholds {summary['committed_recall']:.2f}); chosen on all kinds "
          f"({moved or 'all committed'}): recall {summary['in_sample_recall']:.2f}, precision "
          f"{summary['in_sample_precision']:.2f}, {summary['in_sample_rate']:.3f} alerts per "
          "100 users per day")  # fmt: skip
    return summary


def _found(kind, members, runs, choice) -> int:
    flagged = defaultdict(set)
    for detector, label in choice.items():
        for subject in runs[detector][label]:
            flagged[subject].add(detector)
    return sum(1 for user in members if any(accepts(kind, d) for d in flagged[user]))
