"""Who ``own_family``'s alerts are about, and what its chance score rests on (issue 21, session 13).

    .venv/bin/python bench/misuse_own_family.py --database contactpoint_benchmisuse4_tune

Reads a month already built and reviewed by ``misuse_review.py`` (``--database``; the tuning
seed's, never the evaluation's, since this looks at who the alerts are). For every user-day
of the evaluated days with a match — a child opened off the caseload at the user's home
postcode or with their (not common) family name — it prints the detector's own inputs
(``audit.review.detectors.own_family``: children opened, matches, the day's leave-self-out
shares and the chance they give), who the user is (planted, and as what, or nobody) and the
same chance with the shares taken from the directory instead of the day's log: the share of
the authority's children at the user's postcode, and of them carrying the user's name; and
the detector's own since session 13's fix, the day's shares smoothed toward the directory's
(``own_family.smoothed_share``). Then,
for each ``max_chance`` of ``misuse/loko.py``'s grid, the alerts each estimate would raise:
false alarms (user-days, before suppression) and planted ``own_family`` users found on their
match days (the common-surname relatives have no match, being common, and are found by their
own-name searches, which no share changes).

Why: leave-one-kind-out keeps a kind-specific detector's committed recall only when its
committed setting raises no more false alarms than its stricter one; this shows whether any
honest chance estimate gets there. The day's shares are zero whenever nobody else that day
searched the name or met a child at their own postcode, and a zero share makes any match
"impossible by chance" at every setting.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from misuse.database import database_url, django_start

SETTINGS = (1e-2, 1e-3, 1e-4)  # misuse/loko.py GRID for own_family: looser, committed, stricter


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--first", type=date.fromisoformat, default=date(2026, 10, 1))
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    django_start(database_url(args.database))
    rows = _user_days(args.first, args.days)
    _print_rows(rows)
    _print_settings(rows)


def _user_days(first: date, days: int) -> list[dict]:
    from django.db import connection
    from misuse.score import truth_load

    from access.gateway.lookup_facts import directory_shares
    from audit.models import AccessEvent
    from audit.review.detectors import own_family
    from audit.review.detectors.base import rows as query
    from directory.models import postcode_indexes

    truth = truth_load()
    zone = ZoneInfo("Europe/London")
    found = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        after = day + timedelta(days=1)
        span = {
            "start": datetime(day.year, day.month, day.day, tzinfo=zone),
            "end": datetime(after.year, after.month, after.day, tzinfo=zone),
        }
        matches = query(own_family._MATCHES, span)
        bases = directory_shares({row[0]: (row[8], row[9]) for row in matches})
        searched = {
            actor: (count, others, total)
            for actor, _ids, count, others, total in query(
                own_family._SEARCHES,
                {
                    **span,
                    "matched": [row[0] for row in matches],
                    "search": AccessEvent.Action.SEARCH,
                    "directory_search": AccessEvent.Action.DIRECTORY_SEARCH,
                },
            )
        }
        for row in matches:
            actor, opened, at_home, namesakes, unexplained, ids = row[:6]
            neighbours_met, lookups = row[6:8]
            home_base, name_base = bases.get(actor, (None, None))
            own_searches, name_searches, all_searches = searched.get(actor, (0, 0, 0))
            address_share = neighbours_met / max(lookups, 1)
            name_share = name_searches / max(all_searches, 1)
            smoothed = (
                own_family.smoothed_share(neighbours_met, lookups, home_base),
                own_family.smoothed_share(name_searches, all_searches, name_base),
            )
            with connection.cursor() as cursor:
                cursor.execute("SELECT home_postcode FROM access_user WHERE id = %s", [actor])
                home = postcode_indexes(cursor.fetchone()[0])[0] if at_home else None
                cursor.execute(_DIRECTORY, {"actor": actor, "event": ids[0], "home": home})
                (job, at_postcode, with_name, authority) = cursor.fetchone()
            found.append({
                "day": day, "actor": actor, "job": job, "truth": truth.get(actor),
                "opened": opened, "at_home": at_home, "namesakes": namesakes,
                "unexplained": unexplained, "own_searches": own_searches,
                "day_shares": (float(address_share or 0.0), float(name_share or 0.0)),
                "directory_shares": (at_postcode / authority, with_name / authority),
                "smoothed_shares": smoothed,
            })  # fmt: skip
    return found


# The user's job, the children at their home postcode (its blind index; asked for only when
# a match is at home), the children of their authority
# (that of the first matched child) carrying their family name, and that authority's children.
_DIRECTORY = """
SELECT u.job_title,
       (SELECT count(*) FROM directory_child c WHERE c.postcode_index = %(home)s),
       (SELECT count(*) FROM directory_child c WHERE c.local_authority_id = m.local_authority_id
          AND c.family_key = cp_name_key(u.last_name)),
       (SELECT count(*) FROM directory_child c WHERE c.local_authority_id = m.local_authority_id)
FROM access_user u,
     (SELECT c.local_authority_id FROM audit_lookupexplanation x
      JOIN directory_child c ON c.public_id = x.child_public_id
      WHERE x.event_id = %(event)s) m
WHERE u.id = %(actor)s
"""


def _chance(row: dict, shares: tuple[float, float]) -> float:
    from audit.review.detectors.chance import poisson_at_least

    address, name = shares
    return min(
        poisson_at_least(row["at_home"], row["opened"] * address),
        poisson_at_least(row["namesakes"], row["opened"] * name),
    )


def _alerts(row: dict, shares: tuple[float, float], max_chance: float) -> bool:
    """The detector's rule (``own_family.find``) with these shares; suppression aside."""
    from django.conf import settings

    searches = settings.MISUSE_DETECTORS["own_family"]["own_name_searches"]
    return (
        row["unexplained"] or _chance(row, shares) <= max_chance or row["own_searches"] >= searches
    )


def _who(row: dict) -> str:
    return "/".join(row["truth"]) if row["truth"] else "-"


def _print_rows(rows: list[dict]) -> None:
    print("| day | user | job | planted | opened | at home | namesakes | day shares "
          "(address, name) | chance, day shares | chance, directory shares | "
          "chance, smoothed |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in sorted(rows, key=lambda r: (r["truth"] is not None, r["day"], r["actor"])):
        address, name = row["day_shares"]
        print(f"| {row['day']} | {row['actor']} | {row['job']} | {_who(row)} | {row['opened']} | "
              f"{row['at_home']} | {row['namesakes']} | {address:.2e}, {name:.2e} | "
              f"{_chance(row, row['day_shares']):.1e} | "
              f"{_chance(row, row['directory_shares']):.1e} | "
              f"{_chance(row, row['smoothed_shares']):.1e} |")  # fmt: skip


def _print_settings(rows: list[dict]) -> None:
    print("\n| shares | max_chance | false alarms (user-days) | own_family users found "
          "(of their match days) | zero day share among the false |")  # fmt: skip
    print("|---|---|---|---|---|")
    for label in ("day_shares", "directory_shares", "smoothed_shares"):
        for max_chance in SETTINGS:
            raised = [row for row in rows if _alerts(row, row[label], max_chance)]
            false = [row for row in raised if row["truth"] is None]
            zero = sum(1 for row in false if _chance(row, row[label]) == 0.0)
            planted = {r["actor"] for r in raised if r["truth"] and r["truth"][0] == "own_family"}
            print(f"| {label.replace('_', ' ')} | {max_chance:g} | {len(false)} | "
                  f"{len(planted)} | {zero} |")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
