"""Search quality at national scale: is the intended child in the top five?

    .venv/bin/python bench/search_quality.py --database contactpoint_bench12m --samples 500

For children drawn at random from a ``bench/world_build.py`` world, the application's own
search service (``child_search``, audit on) is asked the way a practitioner would ask with
one kind of error, and the script counts how often the intended child is among the first
five results. Kinds:

- **typo**: one keyboard slip in the family name (given name and date of birth right);
- **nickname**: the given name as a nickname or formal name from the variants table;
- **phonetic**: the family name spelt as it sounds (same double metaphone, new spelling);
- **swapped**: day and month of the date of birth swapped (only dates where that differs);
- **moved**: a child whose family moved from another authority, searched by family and
  given name and the new postcode (no date of birth) by the new authority.

Every query but *moved* carries the date of birth, as searches for a particular child do;
each child is searched by children's services of the authority it lives in (a benchmark
user per authority, created on first use).
"""

from __future__ import annotations

import argparse
import random
from dataclasses import replace

from search_scale import (
    DEFAULT_DATABASE,
    Sample,
    bench_user,
    django_setup,
    nickname,
    sound_alike,
    swapped,
    typo,
)

KINDS = ("typo", "nickname", "phonetic", "swapped", "moved")
TOP = 5


def samples(kind: str, count: int, rng: random.Random) -> list[Sample]:
    """Random active, unshielded children; for *nickname* only those with a variant, for
    *moved* only those with an ended GP involvement in another authority."""
    from django.db import connection

    from directory.normalise import _variant_groups

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM directory_child")
        top = cursor.fetchone()[0]
        draw = {"nickname": 40, "moved": 120}.get(kind, 3)
        ids = [rng.randint(1, top) for _ in range(count * draw)]
        names = sorted(_variant_groups()) if kind == "nickname" else None
        moved = kind == "moved"
        cursor.execute(
            """
            SELECT c.family_name, c.given_name, c.date_of_birth, c.postcode, c.public_id,
                   c.local_authority_id
            FROM directory_child c
            WHERE c.id = ANY(%s) AND c.status = 'active' AND NOT c.shielded
              AND (%s::text[] IS NULL OR c.given_key = ANY(%s::text[]))
              AND (NOT %s OR EXISTS (
                    SELECT 1 FROM directory_involvement i
                    JOIN directory_organisation o ON o.id = i.organisation_id
                    WHERE i.child_id = c.id AND i.role = 'gp' AND i.ended_on IS NOT NULL
                      AND o.local_authority_id <> c.local_authority_id))
            LIMIT %s
            """,
            [ids, names, names, moved, count],
        )
        return [Sample(*row) for row in cursor.fetchall()]


def query_for(kind: str, sample: Sample, rng: random.Random, cursor):
    """The criteria for this kind of error, or None when it cannot apply to this child."""
    from access.gateway import SearchCriteria

    base = SearchCriteria(
        family_name=sample.family_name,
        given_name=sample.given_name,
        date_of_birth=sample.date_of_birth,
        purpose="current_involvement",
    )
    if kind == "typo":
        changed = typo(sample.family_name, rng)
        return replace(base, family_name=changed) if changed != sample.family_name else None
    if kind == "nickname":
        variant = nickname(sample.given_name, rng)
        return replace(base, given_name=variant) if variant else None
    if kind == "phonetic":
        variant = sound_alike(sample.family_name, cursor)
        return replace(base, family_name=variant) if variant else None
    if kind == "swapped":
        other = swapped(sample.date_of_birth)
        return replace(base, date_of_birth=other) if other else None
    if kind == "moved":
        return replace(base, date_of_birth=None, postcode=sample.postcode)
    raise ValueError(kind)


class Councils:
    """Children's services users, one per authority, made on first use."""

    def __init__(self):
        self.users: dict[str, object] = {}

    def user_for(self, authority: str):
        from directory.models import Organisation

        if authority not in self.users:
            council = Organisation.objects.get(
                local_authority_id=authority, kind=Organisation.Kind.LA_CHILDRENS_SERVICES
            )
            self.users[authority] = bench_user(f"bench.council.{authority}", council.pk)
        return self.users[authority]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--samples", type=int, default=300, help="children per kind")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--misses", type=int, default=3, help="misses to print per kind")
    args = parser.parse_args()
    django_setup(args.database)

    from django.db import connection

    from access.gateway import child_search
    from audit.writer import Actor

    rng = random.Random(args.seed)
    councils = Councils()
    print(f"{'kind':<10}{'queries':>8}{'found':>7}{f'recall@{TOP}':>10}")
    for kind in KINDS:
        asked = found = 0
        misses = []
        for sample in samples(kind, args.samples, rng):
            with connection.cursor() as cursor:
                criteria = query_for(kind, sample, rng, cursor)
            if criteria is None:
                continue
            user = councils.user_for(sample.local_authority_id)
            actor = Actor(user.pk, user.username, user.role, user.organisation_id, None, "bench")
            result = child_search(user=user, criteria=criteria, actor=actor)
            asked += 1
            if sample.public_id in [c.public_id for c in result.children[:TOP]]:
                found += 1
            elif len(misses) < args.misses:
                misses.append((sample, criteria, len(result.children)))
        print(f"{kind:<10}{asked:>8}{found:>7}{found / max(asked, 1):>10.3f}")
        for sample, criteria, shown in misses:
            print(
                f"    missed {sample.given_name} {sample.family_name} {sample.date_of_birth}: "
                f"asked {criteria.given_name} {criteria.family_name} "
                f"{criteria.date_of_birth or criteria.postcode} ({shown} shown)"
            )


if __name__ == "__main__":
    main()
