"""Search latency through the gateway, audit on, on the current database's demo world.

Runs ``access.gateway.child_search`` (the same call the search page makes, audit insert
included) for a mix of query shapes and users, and prints p50 / p95 / p99 per case, plus the
audit rows written against the searches made (they must match).

    .venv/bin/python bench/search_latency.py --iterations 200

Needs a seeded database (``make run`` once, or ``make services`` and ``seed_demo``). The
searches are real lookups and are recorded in the audit log under the chosen users.
"""

import argparse
import random
import statistics
import time
from dataclasses import replace

from _django import setup

setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from access.gateway import SearchCriteria, child_search  # noqa: E402
from access.models import User  # noqa: E402
from audit.models import AccessEvent  # noqa: E402
from audit.writer import Actor  # noqa: E402

USERS = ("teacher.a", "gp.a", "socialworker")


def _children_in_scope(user: User, limit: int, rng: random.Random) -> list[tuple]:
    """Sample (family name, given name, dob, postcode) of children the user can see."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.family_name, c.given_name, c.date_of_birth, c.postcode_sealed, c.public_id
            FROM directory_child c
            WHERE c.status = 'active' AND NOT c.shielded AND (
                EXISTS (SELECT 1 FROM directory_involvement i
                        WHERE i.child_id = c.id AND i.organisation_id = %s
                          AND i.ended_on IS NULL)
                OR (%s AND c.local_authority_id = %s))
            ORDER BY md5(c.public_id || %s) LIMIT %s
            """,
            [
                user.organisation_id,
                user.organisation.is_local_authority,
                user.organisation.local_authority_id,
                str(rng.random()),
                limit,
            ],
        )
        from directory.models import Child

        return [
            (family, given, born, Child.sealed_text("postcode", sealed, row=public_id))
            for family, given, born, sealed, public_id in cursor.fetchall()
        ]


def _typo(name: str, rng: random.Random) -> str:
    if len(name) < 4:
        return name
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def _cases(sample: tuple, rng: random.Random) -> dict[str, SearchCriteria]:
    family, given, dob, postcode = sample
    base = SearchCriteria(family_name=family, purpose="current_involvement")
    return {
        "family name only": base,
        "family + given": replace(base, given_name=given),
        "family + date of birth": replace(base, date_of_birth=dob),
        "typo + date of birth": replace(base, family_name=_typo(family, rng), date_of_birth=dob),
        "family + postcode": replace(base, postcode=postcode),
    }


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=100, help="samples per user")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    # The benchmark measures search, not the per-user rate limit that would stop it.
    settings.LOOKUP_RATE_LIMIT = 10**9
    timings: dict[str, list[float]] = {}
    searches = 0
    first_event = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for username in USERS:
        user = User.objects.select_related("organisation").get(username=username)
        actor = Actor(user.pk, username, user.role, user.organisation_id, "127.0.0.1", "bench")
        for sample in _children_in_scope(user, args.iterations, rng):
            for case, criteria in _cases(sample, rng).items():
                started = time.perf_counter()
                child_search(user=user, criteria=criteria, actor=actor)
                timings.setdefault(case, []).append((time.perf_counter() - started) * 1000)
                searches += 1
    written = AccessEvent.objects.filter(id__gt=first_event, action="search").count()
    children = connection.cursor()
    children.execute("SELECT count(*) FROM directory_child")
    print(f"children in database: {children.fetchone()[0]:,}; users: {', '.join(USERS)}")
    print(f"{'case':<26}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for case, values in timings.items():
        print(
            f"{case:<26}{len(values):>6}{statistics.median(values):>9.2f}"
            f"{_percentile(values, 95):>9.2f}{_percentile(values, 99):>9.2f}"
        )
    print(f"searches made: {searches}; audit search events written: {written}")


if __name__ == "__main__":
    main()
