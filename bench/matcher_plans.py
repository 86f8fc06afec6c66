"""The matcher's statements with a generic plan (prepared once) and a custom one, interleaved.

    .venv/bin/python bench/matcher_plans.py --database contactpoint_bench12m --people 30 --rounds 4

Why: ``contactpoint/prepared_sql.py`` plans a statement once per session, and PostgreSQL then
runs it with a plan made without its values (a *generic* plan). That saves the planning of
every search, but only pays where one plan suits every value. Session 8 found it did not
without a date of birth; this measures the narrow and the wide stage with one.

It draws ``--people`` active children at random, makes the query a feed or a practitioner
would (family name with two letters swapped, the given name, the date of birth), and
captures the ranking statements the matcher runs for each, narrow stage and wide stage
(``candidates_rank``, the feeds' whole-directory condition). Then, per round, every
statement is executed once with ``plan_cache_mode = force_generic_plan`` and once with
``force_custom_plan`` (planned at each execution, as an unprepared statement is), in
batches whose order alternates by round; the CPU of the PostgreSQL backend (``/proc``,
``proc_cpu.py``) is read around each batch. Prints ms of backend CPU per statement, per
stage and plan, per round and the medians.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proc_cpu import cpu_seconds  # noqa: E402
from search_scale import django_setup  # noqa: E402

MODES = ("force_generic_plan", "force_custom_plan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--people", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    django_setup(args.database)
    from django.db import connection

    from access.gateway.matcher import MatchQuery, candidates_rank, match_model_current
    from contactpoint import prepared_sql
    from directory.feeds import linking

    captured: list[tuple[str, str, list]] = []
    stage = {"now": ""}
    real = prepared_sql.fetchall

    def capture(sql, params, *, using, prepare):
        captured.append((stage["now"], sql, list(params)))
        return real(sql, params, using=using, prepare=False)

    prepared_sql.fetchall = capture
    rng = random.Random(args.seed)
    people = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [rng.random()])
        for _ in range(args.people):
            cursor.execute(
                "SELECT family_name, given_name, date_of_birth FROM directory_child "
                "WHERE status = 'active' AND length(family_name) > 3 AND id >= "
                "(SELECT (max(id) * random())::bigint FROM directory_child) ORDER BY id LIMIT 1"
            )
            people.append(cursor.fetchone())
    model = match_model_current("default")
    for family, given, born in people:
        typed = family[0] + family[2] + family[1] + family[3:]
        for wide in (False, True):
            stage["now"] = "wide" if wide else "narrow"
            candidates_rank(
                query=MatchQuery(typed, given, born), condition=linking._ACTIVE,
                limit=linking.CANDIDATES, using="default", model=model, wide=wide,
                below_best=20.0,
            )  # fmt: skip
    prepared_sql.fetchall = real
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
        cursor.execute("DEALLOCATE ALL")
        for sql in {sql for _stage, sql, _params in captured}:
            cursor.execute(prepared_sql.prepare_text(sql))

        def batch(mode: str, which: str) -> float:
            cursor.execute(f"SET plan_cache_mode = {mode}")
            before = cpu_seconds(backend)
            count = 0
            for stage_name, sql, params in captured:
                if stage_name != which:
                    continue
                name = prepared_sql.statement_name(sql)
                cursor.execute(prepared_sql.execute_text(name, len(params)), params)
                cursor.fetchall()
                count += 1
            return (cpu_seconds(backend) - before) / max(count, 1) * 1000

        for which in ("narrow", "wide"):
            batch(MODES[0], which)  # warm: plans made, pages in cache
            batch(MODES[1], which)
        counts = {w: sum(s == w for s, *_ in captured) for w in ("narrow", "wide")}
        print(
            f"{args.database}: {len(people)} children, {counts['narrow']} narrow and "
            f"{counts['wide']} wide statements; ms of backend CPU per statement"
        )
        print("round  stage    generic   custom   generic/custom")
        ratios: dict[str, list[float]] = {"narrow": [], "wide": []}
        for round_ in range(1, args.rounds + 1):
            for which in ("narrow", "wide"):
                order = MODES if round_ % 2 else MODES[::-1]
                spent = {mode: batch(mode, which) for mode in order}
                generic, custom = spent[MODES[0]], spent[MODES[1]]
                ratios[which].append(generic / custom if custom else float("nan"))
                print(
                    f"{round_:5}  {which:6} {generic:9.2f} {custom:8.2f} {ratios[which][-1]:10.2f}"
                )
        for which, values in ratios.items():
            print(f"median generic/custom, {which}: {statistics.median(values):.2f}")


if __name__ == "__main__":
    main()
