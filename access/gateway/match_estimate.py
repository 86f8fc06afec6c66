"""Estimating the matcher's u probabilities from the directory's own children.

Rule (identity): a level of agreement is worth what it says beyond chance. How often two
*different* children agree at each level is measured, not assumed: random pairs of active
children are compared with the matcher's own SQL (``matcher.QUERY_COLUMNS`` and
``matcher.LEVELS``: one child plays the typed query, the other the candidate), and the share
of pairs at each level (smoothed by half a pair, so that a level no pair reached reads as
rare rather than impossible) is stored as the newest ``directory.MatchWeights``. The family-name
frequencies behind the term-frequency adjustment are refreshed in the same run.

Only per-level shares are kept: no name, date or id leaves the query.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from directory.models import MatchWeights
from directory.normalise import given_name_variants

from .match_model import DOB_LEVELS, FAMILY_LEVELS, GIVEN_LEVELS, match_model_forget
from .matcher import LEVELS, QUERY_COLUMNS

# Fewer pairs than this measure too little; the estimate is refused and the defaults stay.
MIN_PAIRS = 150


@dataclass(frozen=True)
class Estimate:
    pairs: int
    u: dict[str, dict[int, float]]
    frequencies_changed: int


def family_frequencies_refresh(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """Recount how many active children carry each family-name key; returns keys changed."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT cp_family_key_frequencies_refresh()")
        return cursor.fetchone()[0]


def match_weights_estimate(*, pairs: int, seed: int, using: str = DEFAULT_DB_ALIAS) -> Estimate:
    """Compare ``pairs`` random pairs of distinct active children and store u per level.

    Raises ValueError when the directory is too small to draw ``MIN_PAIRS`` pairs, so a
    nearly empty directory keeps the defaults instead of learning from a handful of rows.
    """
    with transaction.atomic(using=using):
        changed = family_frequencies_refresh(using=using)
        children = _sample(count=2 * pairs, seed=seed, using=using)
        rng = random.Random(seed)  # noqa: S311 - sampling, not security
        rng.shuffle(children)
        drawn = [
            (a, b) for a, b in zip(children[::2], children[1::2], strict=False) if a[0] != b[0]
        ]
        if len(drawn) < MIN_PAIRS:
            raise ValueError(
                f"Only {len(drawn)} pairs of children could be drawn; at least {MIN_PAIRS} "
                "are needed to estimate the weights."
            )
        counts = _levels_counted(drawn, using=using)
        u = {
            field: {
                level: (counts[field][level] + 0.5) / (len(drawn) + 1) for level in sorted(labels)
            }
            for field, labels in (
                ("family", FAMILY_LEVELS),
                ("given", GIVEN_LEVELS),
                ("dob", DOB_LEVELS),
            )
        }
        MatchWeights.objects.using(using).create(pairs=len(drawn), u=u)
    match_model_forget()
    return Estimate(pairs=len(drawn), u=u, frequencies_changed=changed)


def _sample(*, count: int, seed: int, using: str) -> list[tuple]:
    """About ``count`` random active children (id, family, given, date of birth), read
    through a block sample so that a national directory is not scanned whole."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN reltuples >= 100000 THEN reltuples::bigint"
            " ELSE (SELECT count(*) FROM directory_child) END"
            " FROM pg_class WHERE oid = 'directory_child'::regclass"
        )
        total = max(cursor.fetchone()[0], 1)
        percent = min(100.0, 150.0 * count / total)
        cursor.execute(
            "SELECT id, family_name, given_name, date_of_birth FROM directory_child"
            " TABLESAMPLE BERNOULLI (%s) REPEATABLE (%s) WHERE status = 'active'"
            " ORDER BY id LIMIT %s",
            [percent, seed, count],
        )
        return cursor.fetchall()


def _levels_counted(drawn: list[tuple], *, using: str) -> dict[str, Counter]:
    """Each pair's levels, from the matcher's SQL with the first child as the query."""
    typed = QUERY_COLUMNS.format(
        family="v.family", given="v.given", variants="string_to_array(v.variants, ',')", dob="v.dob"
    )
    sql = f"""
        SELECT lv.fl, lv.gl, lv.dl
        FROM unnest(%s::text[], %s::text[], %s::text[], %s::date[], %s::bigint[])
             AS v(family, given, variants, dob, other)
        CROSS JOIN LATERAL (SELECT {typed}) AS q
        JOIN directory_child ON directory_child.id = v.other
        CROSS JOIN LATERAL ({LEVELS}) AS lv"""  # noqa: S608 - the matcher's constant fragments
    columns = (
        [a[1] for a, _ in drawn],
        [a[2] for a, _ in drawn],
        [",".join(given_name_variants(a[2])) for a, _ in drawn],
        [a[3] for a, _ in drawn],
        [b[0] for _, b in drawn],
    )
    counts = {"family": Counter(), "given": Counter(), "dob": Counter()}
    with connections[using].cursor() as cursor:
        cursor.execute(sql, list(columns))
        for family_level, given_level, dob_level in cursor.fetchall():
            counts["family"][family_level] += 1
            counts["given"][given_level] += 1
            counts["dob"][dob_level] += 1
    return counts
