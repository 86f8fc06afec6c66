"""Search quality: is the intended child found, and first, when a detail is typed wrong?

    .venv/bin/pip install -e '.[bench]'      # the yardstick's toolkit, for benchmarks only
    .venv/bin/python bench/search_quality.py --database contactpoint_bench500k --samples 200

Children are drawn at random from a ``bench/world_build.py`` world; for each, one kind of
clerical error (``bench/quality/errors.py``: typos, a mistyped date of birth, names the
wrong way round, a replaced name, compound names cut or joined, transliterations,
nicknames, two errors at once, and an error-free control) turns the child's record into
what a practitioner typed, in three query shapes: family + given + date of birth,
family + date of birth, and family + given. A kind is asked only in the shapes that
contain the fields it changes (a given-name typo is invisible without a given name).
``--samples`` is the number of queries per kind and shape.

The errors are made independently of the search: nothing in ``bench/quality`` reads the
application's normaliser, nickname table or search code.

Two searchers answer each query:

- **ours**: the search page's path. The query goes through the page's form
  (``ChildSearchForm``): what it refuses (a 30th of February from a mistyped digit, a
  date in the future) is counted as *refused* and not searched, as a practitioner would be
  told to correct it. What it accepts goes to ``child_search`` (vetting, rate limit lifted,
  the scoped query, the audit insert) as the children's-services user of the authority the
  child lives in, a user who may see the child.
- **library**: the Python Record Linkage Toolkit, used out of the box
  (``bench/quality/yardstick.py``), over the children the same user may see.

Per kind and shape it prints, for both: recall@1 (the child first), recall@5 (in the first
five), *wrong first* (another child shown first: the practitioner may open the wrong
record) and *nothing* (no result). Totals over the error kinds are unweighted: every kind
gets as many queries, which is not how often each error happens. Then the CPU time of
this process per search (``time.process_time``: Python, Django, the driver; PostgreSQL's
own time is spent in its backend process and is not in it) and the load average.
Deterministic for a world, ``--seed`` and ``--samples``.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field

from quality.errors import DOB, FAMILY, GIVEN, KINDS, Kind, Person, Query
from search_scale import bench_user, django_setup

DEFAULT_DATABASE = "contactpoint_bench500k"
TOP = 5
PURPOSE = "current_involvement"
SHAPES = {
    "f+g+dob": frozenset({FAMILY, GIVEN, DOB}),
    "f+dob": frozenset({FAMILY, DOB}),
    "f+g": frozenset({FAMILY, GIVEN}),
}
CONTROL = KINDS[0].name


@dataclass
class Tally:
    """How one searcher did on a set of queries."""

    queries: int = 0
    first: int = 0
    top: int = 0
    wrong_first: int = 0
    # Another child first *as a match* (the page's "Matches" heading), not only as a
    # possible match: the practitioner is told it is the child. The library has no bands.
    wrong_match_first: int = 0
    # Another child first whose record agrees with what was typed, field by field, at least
    # as often as the sought child's does (``fits_as_well``): no searcher could tell.
    wrong_first_fits: int = 0
    nothing: int = 0

    def add(
        self,
        ranked: list[str],
        target: str,
        *,
        first_is_match: bool = False,
        first_fits: bool = False,
    ) -> None:
        self.queries += 1
        self.wrong_match_first += bool(ranked) and ranked[0] != target and first_is_match
        self.wrong_first_fits += bool(ranked) and ranked[0] != target and first_fits
        self.first += bool(ranked) and ranked[0] == target
        self.top += target in ranked[:TOP]
        self.wrong_first += bool(ranked) and ranked[0] != target
        self.nothing += not ranked

    def merge(self, other: Tally) -> None:
        names = ("queries", "first", "top", "wrong_first", "wrong_match_first", "nothing")
        for name in (*names, "wrong_first_fits"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def columns(self, *, bands: bool = False) -> list[str]:
        n = max(self.queries, 1)
        return [
            f"{self.first / n:.3f}",
            f"{self.top / n:.3f}",
            f"{self.wrong_first}",
            *([f"{self.wrong_match_first}"] if bands else []),
            f"{self.nothing}",
        ]


@dataclass
class Cell:
    """One kind in one query shape."""

    refused: int = 0
    ours: Tally = field(default_factory=Tally)
    library: Tally = field(default_factory=Tally)

    def merge(self, other: Cell) -> None:
        self.refused += other.refused
        self.ours.merge(other.ours)
        self.library.merge(other.library)


@dataclass
class Clock:
    """CPU of this process spent in each searcher, and wall time of ours."""

    ours_cpu: float = 0.0
    ours_wall: float = 0.0
    ours_searches: int = 0
    library_cpu: float = 0.0
    library_searches: int = 0
    loads: list[float] = field(default_factory=list)


class World:
    """Every active child of the world (or of ``authorities`` of its authorities, drawn at
    random), read once: the people to draw from and the yardstick's candidates.

    Every query is asked by the children's services of the child's own authority, and the
    yardstick ranks that authority's children, so a sample of whole authorities measures
    the same thing; at 12 million children, reading every child into memory would not fit.
    """

    def __init__(self, *, authorities: int = 0, seed: int = 0):
        import pandas as pd
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT local_authority_id FROM directory_organisation")
            every = sorted(row[0] for row in cursor.fetchall())
            chosen = random.Random(seed).sample(every, authorities) if authorities else every
            cursor.execute(
                "SELECT public_id, given_name, family_name, date_of_birth, gender, "
                "local_authority_id, shielded FROM directory_child WHERE status = 'active' "
                "AND local_authority_id = ANY(%s) ORDER BY id",
                [chosen],
            )
            rows = cursor.fetchall()
        columns = ["public_id", "given_name", "family_name", "date_of_birth", "gender"]
        self.frame = pd.DataFrame(rows, columns=[*columns, "local_authority_id", "shielded"])
        self.people = [Person(family, given, dob, sex) for _, given, family, dob, sex, *_ in rows]
        self.public_ids = [row[0] for row in rows]
        self._index = {public_id: n for n, public_id in enumerate(self.public_ids)}
        self.authorities = [row[5] for row in rows]
        self.shielded = [row[6] for row in rows]

    def index_of(self, public_id: str) -> int:
        return self._index[public_id]


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


def criteria_for(query: Query, shape: frozenset[str]):
    """The criteria the search page would build, or None where its form refuses the input."""
    from directory.forms import ChildSearchForm

    form = ChildSearchForm(
        {
            "family_name": query.family,
            "given_name": query.given if GIVEN in shape else "",
            "date_of_birth": query.dob_text if DOB in shape else "",
            "purpose": PURPOSE,
        }
    )
    return form.criteria() if form.is_valid() else None


class Bench:
    def __init__(self, world: World, yardstick, samples: int, seed: int, misses: int):
        self.world = world
        self.yardstick = yardstick
        self.samples = samples
        self.seed = seed
        self.councils = Councils()
        self.cells: dict[tuple[str, str], Cell] = defaultdict(Cell)
        self.missed: dict[str, list[str]] = defaultdict(list)
        # Wrong firsts where the details fit the sought child better (the ranking's mistakes).
        self.misranked: list[str] = []
        self.misses = misses
        self.refused_by_service = 0
        self.clock = Clock()

    def kind_run(self, kind: Kind) -> None:
        """Draw children the kind can apply to, in a random order, until every shape the
        kind can be asked in has ``samples`` queries (or the children run out)."""
        rng = random.Random(f"{self.seed}:{kind.name}")
        world = self.world
        pool = [
            i
            for i, person in enumerate(world.people)
            if not world.shielded[i] and kind.eligible(person)
        ]
        rng.shuffle(pool)
        shapes = [s for s, fields in SHAPES.items() if any(c <= fields for c in kind.changes)]
        for i in pool:
            if all(self.cells[kind.name, s].ours.queries >= self.samples for s in shapes):
                break
            query = kind.make(Query.of(world.people[i]), world.people[i], rng)
            if query is None:
                continue
            for shape in shapes:
                cell = self.cells[kind.name, shape]
                if query.changed <= SHAPES[shape] and cell.ours.queries < self.samples:
                    self.ask(kind.name, shape, cell, query, i)
        self.clock.loads.append(os.getloadavg()[0])

    def ask(self, kind: str, shape: str, cell: Cell, query: Query, i: int) -> None:
        from access.gateway import SearchRefused, child_search
        from audit.writer import Actor

        criteria = criteria_for(query, SHAPES[shape])
        if criteria is None:
            cell.refused += 1
            return
        authority, target = self.world.authorities[i], self.world.public_ids[i]
        user = self.councils.user_for(authority)
        actor = Actor(user.pk, user.username, user.role, user.organisation_id, None, "bench")
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            result = child_search(user=user, criteria=criteria, actor=actor)
        except SearchRefused:
            self.refused_by_service += 1
            cell.refused += 1
            return
        self.clock.ours_cpu += time.process_time() - cpu
        self.clock.ours_wall += time.perf_counter() - wall
        self.clock.ours_searches += 1
        ours = [child.public_id for child in result.children]
        first_is_match = bool(result.children) and result.children[0].strong
        fits = bool(ours) and self.fits_as_well(criteria, shape, ours[0], i)
        cell.ours.add(ours, target, first_is_match=first_is_match, first_fits=fits)
        misranked = ours and ours[0] != target and not fits and DOB in SHAPES[shape]
        if misranked and len(self.misranked) < 40:
            first, person = result.children[0], self.world.people[i]
            at = ours.index(target) + 1 if target in ours else "-"
            self.misranked.append(
                f"{kind} {shape}: typed {criteria.given_name} {criteria.family_name} "
                f"{criteria.date_of_birth or ''}; first {first.given_name} {first.family_name} "
                f"{first.date_of_birth} ({'match' if first.strong else 'possible'}); sought "
                f"{person.given} {person.family} {person.dob} at {at}"
            )
        if target not in ours[:TOP] and len(self.missed[kind]) < self.misses:
            person = self.world.people[i]
            shown = f"first {result.children[0].full_name}" if ours else "nothing"
            self.missed[kind].append(
                f"{shape}: {person.given} {person.family} {person.dob} typed as "
                f"{criteria.given_name} {criteria.family_name} {criteria.date_of_birth or ''}"
                f" ({len(ours)} shown, {shown})"
            )
        if self.yardstick is not None:
            cpu = time.process_time()
            ranked = self.yardstick.rank(
                authority=authority,
                family=criteria.family_name,
                given=criteria.given_name,
                dob=criteria.date_of_birth.isoformat() if criteria.date_of_birth else "",
            )
            self.clock.library_cpu += time.process_time() - cpu
            self.clock.library_searches += 1
            fits = bool(ranked) and self.fits_as_well(criteria, shape, ranked[0], i)
            cell.library.add(ranked, target, first_fits=fits)

    def fits_as_well(self, criteria, shape: str, shown: str, i: int) -> bool:
        """Whether the child ``shown`` agrees exactly (case aside) with at least as many of
        the typed fields as the sought child ``i`` does. Written here, from the records
        alone, so that it shares nothing with the matcher's idea of a near miss: where it
        holds, what was typed points at the other child at least as much, and a wrong first
        is the data's ambiguity (twins, a namesake born on the mistyped date, a name
        replaced by another child's), not the ranking's mistake."""
        if shown == self.world.public_ids[i]:
            return False
        other = self.world.people[self.world.index_of(shown)]
        sought = self.world.people[i]
        typed = [(criteria.family_name, "family")]
        if GIVEN in SHAPES[shape]:
            typed.append((criteria.given_name, "given"))

        def agreements(person: Person) -> int:
            names = sum(
                text.casefold().strip() == getattr(person, name).casefold().strip()
                for text, name in typed
            )
            dated = DOB in SHAPES[shape] and criteria.date_of_birth == person.dob
            return names + dated

        return agreements(other) >= agreements(sought)


def table_print(bench: Bench, kinds: list[Kind]) -> None:
    heads = ["kind", "query", "n", "refused", "ours @1", "ours @5", "ours wrong 1st"]
    heads += ["ours wrong match 1st", "ours none", "lib @1", "lib @5", "lib wrong 1st"]
    heads += ["lib none"]
    print("| " + " | ".join(heads) + " |")
    print("|" + "---|" * len(heads))

    def row(kind: str, shape: str, cell: Cell) -> None:
        values = [kind, shape, str(cell.ours.queries), str(cell.refused)]
        values += cell.ours.columns(bands=True) + cell.library.columns()
        print("| " + " | ".join(values) + " |")

    by_shape: dict[str, Cell] = defaultdict(Cell)
    total = Cell()
    for kind in kinds:
        for shape in SHAPES:
            cell = bench.cells.get((kind.name, shape))
            if cell is None or not (cell.ours.queries or cell.refused):
                continue
            row(kind.name, shape, cell)
            if kind.name != CONTROL:
                by_shape[shape].merge(cell)
                total.merge(cell)
    for shape, cell in by_shape.items():
        row("**all errors, unweighted**", shape, cell)
    row("**all errors, unweighted**", "all", total)
    dated = Cell()
    for shape in ("f+g+dob", "f+dob"):
        dated.merge(by_shape.get(shape, Cell()))
    n = max(dated.ours.queries, 1)
    print(
        f"\nSearches with a date of birth (errors only): {dated.ours.queries}; another child "
        f"first: ours {dated.ours.wrong_first} ({dated.ours.wrong_first / n:.2%}), of which "
        f"shown as a match {dated.ours.wrong_match_first} "
        f"({dated.ours.wrong_match_first / n:.2%}); library {dated.library.wrong_first} "
        f"({dated.library.wrong_first / n:.2%})"
    )
    ours, library = dated.ours, dated.library
    ours_rest = ours.wrong_first - ours.wrong_first_fits
    print(
        "Of those, the typed details agree exactly with the child shown first in at least as "
        f"many fields as with the sought child: ours {ours.wrong_first_fits} (the rest, "
        f"{ours_rest}, {ours_rest / n:.2%}, put first a child the details fit less well); "
        f"library {library.wrong_first_fits} "
        f"(rest {library.wrong_first - library.wrong_first_fits})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--samples", type=int, default=200, help="queries per kind and shape")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--misses", type=int, default=3, help="our misses to print per kind")
    parser.add_argument("--only", default="", help="comma-separated kind names")
    parser.add_argument("--no-library", action="store_true", help="skip the yardstick")
    parser.add_argument(
        "--authorities", type=int, default=0, help="draw from this many authorities (0: all)"
    )
    args = parser.parse_args()
    django_setup(args.database)
    started = time.perf_counter()
    load_at_start = os.getloadavg()

    world = World(authorities=args.authorities, seed=args.seed)
    yardstick = None
    if not args.no_library:
        from quality.yardstick import Yardstick

        yardstick = Yardstick(world.frame)
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    kinds = [kind for kind in KINDS if not only or kind.name in only]
    bench = Bench(world, yardstick, args.samples, args.seed, args.misses)
    for kind in kinds:
        kind_started = time.perf_counter()
        bench.kind_run(kind)
        print(f"{kind.name}: {time.perf_counter() - kind_started:.0f} s", file=sys.stderr)

    clock = bench.clock
    print(
        f"{args.database}: {len(world.people):,} active children drawn from "
        f"{args.authorities or 'all'} authorities; --samples {args.samples} "
        f"--seed {args.seed}; {time.strftime('%Y-%m-%d')}\n"
    )
    table_print(bench, kinds)
    print(
        f"\nours: the search page's form and child_search; lib: recordlinkage; "
        f"@1 / @5 recall; wrong 1st / none counts of n. Refused: {bench.refused_by_service} "
        f"by the service, the rest by the form."
    )
    ours = clock.ours_cpu / max(clock.ours_searches, 1) * 1000
    wall = clock.ours_wall / max(clock.ours_searches, 1) * 1000
    library = clock.library_cpu / max(clock.library_searches, 1) * 1000
    print(
        f"CPU of this process per search: ours {ours:.1f} ms ({clock.ours_searches} searches; "
        f"wall {wall:.1f} ms; PostgreSQL's time is in its own process), "
        f"library {library:.1f} ms ({clock.library_searches})"
    )
    loads = clock.loads or [0.0]
    print(
        f"load average (1 min): {load_at_start[0]:.2f} at the start, {min(loads):.2f}-"
        f"{max(loads):.2f} after each kind; run {time.perf_counter() - started:.0f} s"
    )
    for kind, lines in bench.missed.items():
        print(f"\nours missed ({kind}):")
        for line in lines:
            print(f"    {line}")
    if bench.misranked:
        print("\nours put first a child the typed details fit less well (with a date of birth):")
        for line in bench.misranked:
            print(f"    {line}")


if __name__ == "__main__":
    main()
