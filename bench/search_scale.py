"""Search at national scale: the application's own search service beside its raw-SQL floor.

    .venv/bin/python bench/search_scale.py --database contactpoint_bench12m --iterations 200

Runs against a world from ``bench/world_build.py``, as the application's database role.
For each user — a secondary-school practitioner, a GP practice, a local authority's
children's services, and a break-glass whole-directory search — and each kind of query
(exact, typo, nickname, phonetic; with and without a date of birth; break-glass always
carries a date of birth or a full postcode, as the service demands), it times:

- **service**: ``child_search`` (or ``directory_search`` for break-glass) exactly as the
  search page calls it: vetting, the Redis rate limit, the scoped query, the audit insert
  and its commit;
- **floor**: the very SQL statements the service sends to PostgreSQL for the search and its
  audit event (captured with an execute wrapper), run through the raw driver in one
  transaction with the same session settings and committed: what the database alone costs
  for an audited search. The commit of the audit insert waits for its WAL to reach the
  disk, as the service's does; the floor's copy of the event is a second row in the log;
- **read-only floor** (the last column, for comparison with sessions before 12, whose floor
  it was): the same without the audit insert, so its commit writes nothing.

Each search is first made once untimed (which captures its statements), then the floors and
the service are timed one after the other, so both meet the same, warm, cache; first-touch
reads are slower on this machine, whose 256 MB of shared buffers hold a tenth of the child
table (the rest comes from the operating system's cache).

It prints p50 / p95 / p99 for both, service ÷ floor at p50 and p95 and service ÷ read-only
floor at p95, then the number of audit events written against the number of searches and
floor runs (they must be equal; warm-up searches are audited too). The first ``--warmup``
samples of each case run but are not timed: the figures are for a warm cache. The per-user
rate limit and break-glass's cap on directory searches per request are lifted for the run:
the benchmark measures search, not the limits.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
DEFAULT_DATABASE = "contactpoint_bench12m"
BENCH_PASSWORD = "bench-only-not-a-login"  # noqa: S105 - users of a scratch world, never served
KINDS = ("exact", "typo", "nickname", "phonetic")
# Spelling changes that keep a surname's double metaphone key: how a name heard on the phone
# gets written down. Tried in order; the first that keeps the sound and changes the key wins.
_SOUND_ALIKES = (
    (r"ph", "f"),
    (r"y", "i"),
    (r"i", "y"),
    (r"ck", "k"),
    (r"c(?=[aou])", "k"),
    (r"k", "c"),
    (r"son$", "sen"),
    (r"sen$", "son"),
    (r"([lnmrt])\1", r"\1"),
    (r"([lnrt])(?!\1)", r"\1\1"),
    (r"ey$", "y"),
    (r"ie$", "y"),
    (r"s$", "z"),
    (r"z", "s"),
    (r"ou", "ow"),
    (r"ai", "ay"),
    (r"ee", "ea"),
)
_KEYBOARD_NEIGHBOURS = {
    "a": "sq", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj",
    "i": "uo", "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o",
    "q": "w", "r": "et", "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "x": "zc",
    "y": "tu", "z": "x",
}  # fmt: skip


def database_urls(database: str) -> tuple[str, str]:
    """(app role URL, owner URL) for ``database``, from the environment or .data/stack.env."""
    from urllib.parse import urlsplit, urlunsplit

    found = {k: os.environ.get(k, "") for k in ("DATABASE_URL", "DATABASE_OWNER_URL")}
    env_file = ROOT / ".data" / "stack.env"
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            name, _, value = line.partition("=")
            if name in found and not found[name]:
                found[name] = value.strip()
    app = found["DATABASE_URL"] or found["DATABASE_OWNER_URL"]
    owner = found["DATABASE_OWNER_URL"] or app
    if not app:
        sys.exit("Set DATABASE_URL (or run `make services`).")

    def named(url: str) -> str:
        return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))

    return named(app), named(owner)


def django_setup(database: str) -> None:
    """Point Django at ``database`` as the application's role, then start it."""
    app, owner = database_urls(database)
    os.environ["DATABASE_URL"] = app
    os.environ["DATABASE_OWNER_URL"] = owner
    from _django import setup

    setup()
    from django.conf import settings

    settings.LOOKUP_RATE_LIMIT = 10**9
    settings.BREAK_GLASS_SEARCHES_PER_REQUEST = 10**9


@dataclass(frozen=True)
class Sample:
    """A child someone is looking for, as recorded."""

    family_name: str
    given_name: str
    date_of_birth: date
    postcode: str
    public_id: str
    local_authority_id: str


def typo(name: str, rng: random.Random) -> str:
    """One slip of the keyboard: two letters swapped, one dropped, doubled or mistyped as
    its neighbour. The first letter is kept (people rarely get it wrong)."""
    if len(name) < 4:
        return name
    i = rng.randrange(1, len(name) - 1)
    kind = rng.randrange(4)
    if kind == 0 and name[i] != name[i + 1]:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if kind == 1:
        return name[:i] + name[i + 1 :]
    if kind == 2:
        return name[:i] + name[i] + name[i:]
    neighbours = _KEYBOARD_NEIGHBOURS.get(name[i].lower(), "")
    if not neighbours:
        return name[:i] + name[i + 1 :]
    return name[:i] + rng.choice(neighbours) + name[i + 1 :]


def sound_alike(name: str, cursor) -> str | None:
    """A different spelling with the same double metaphone key, or None if no rule gives one."""
    lower = name.lower()
    for pattern, replacement in _SOUND_ALIKES:
        changed = re.sub(pattern, replacement, lower, count=1)
        if changed == lower or len(changed) < 2:
            continue
        cursor.execute(
            "SELECT cp_name_key(%s) <> cp_name_key(%s) "
            "AND dmetaphone(cp_name_key(%s)) = dmetaphone(cp_name_key(%s))",
            [changed, name, changed, name],
        )
        if cursor.fetchone()[0]:
            return changed.capitalize()
    return None


def nickname(given_name: str, rng: random.Random) -> str | None:
    from directory.normalise import given_name_variants, name_key

    own = name_key(given_name)
    others = [v for v in given_name_variants(given_name) if v != own]
    return rng.choice(others).capitalize() if others else None


def swapped(value: date) -> date | None:
    from directory.normalise import date_of_birth_readings

    readings = date_of_birth_readings(value)
    return readings[1] if len(readings) > 1 else None


def bench_user(username: str, organisation_id: int, *, supervisor=None):
    """A vetted practitioner of ``organisation_id`` (created on first use)."""
    from access.models import Role, User

    recent = date.today() - timedelta(days=30)
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "organisation_id": organisation_id,
            "role": Role.PRACTITIONER,
            "job_title": "Benchmark practitioner",
            "dbs_certificate_number": "001234567890",
            "dbs_checked_on": recent,
            "training_completed_on": recent,
            "agreement_signed_on": recent,
            "supervisor": supervisor,
        },
    )
    if created:
        user.set_password(BENCH_PASSWORD)
        user.save(update_fields=["password"])
    elif not user.dbs_certificate_number:  # made before certificates were evidence (issue 14)
        user.dbs_certificate_number = "001234567890"
        user.save(update_fields=["dbs_certificate_number"])
    return User.objects.select_related("organisation").get(pk=user.pk)


def organisation_with_most(kind: str, cursor, authority: str) -> int:
    """The organisation of ``kind`` with the most active involvements: the busiest school or
    GP practice is the one whose searches cost most."""
    cursor.execute(
        "SELECT i.organisation_id FROM directory_involvement i "
        "JOIN directory_organisation o ON o.id = i.organisation_id "
        "WHERE o.kind = %s AND o.local_authority_id = %s AND i.ended_on IS NULL "
        "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
        [kind, authority],
    )
    return cursor.fetchone()[0]


def users_ensure():
    """The benchmark's personas: school, GP, children's services (the largest authority) and
    a break-glass user with a supervisor."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT o.id, o.local_authority_id FROM directory_organisation o "
            "WHERE o.kind = 'la_childrens_services' ORDER BY "
            "(SELECT count(*) FROM directory_organisation s "
            " WHERE s.local_authority_id = o.local_authority_id) DESC LIMIT 1"
        )
        council, authority = cursor.fetchone()
        school = organisation_with_most("school", cursor, authority)
        gp = organisation_with_most("gp_practice", cursor, authority)
    supervisor = bench_user("bench.supervisor", school)
    return {
        "school": bench_user("bench.school", school),
        "gp": bench_user("bench.gp", gp),
        "local authority": bench_user("bench.council", council),
        "break-glass": bench_user("bench.breakglass", school, supervisor=supervisor),
    }


def samples_in_scope(user, count: int, rng: random.Random, *, nicknamed: bool) -> list[Sample]:
    """Children ``user`` may see (by involvement or residence), drawn at random; with
    ``nicknamed``, only those whose given name has a variant in the nickname table."""
    from django.db import connection

    from directory.normalise import _variant_groups

    organisation = user.organisation
    names = sorted(_variant_groups()) if nicknamed else None
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT c.family_name, c.given_name, c.date_of_birth, c.postcode_sealed, c.public_id,
                   c.local_authority_id
            FROM directory_child c
            WHERE c.status = 'active' AND NOT c.shielded
              AND (%s::text[] IS NULL OR c.given_key = ANY(%s::text[]))
              AND ({
                "c.local_authority_id = %s"
                if organisation.is_local_authority
                else "c.id IN (SELECT child_id FROM directory_involvement "
                "WHERE organisation_id = %s AND ended_on IS NULL)"
            })
            ORDER BY md5(c.public_id || %s) LIMIT %s
            """,
            [
                names,
                names,
                organisation.local_authority_id
                if organisation.is_local_authority
                else organisation.pk,
                str(rng.random()),
                count,
            ],
        )
        return [_sample(row) for row in cursor.fetchall()]


def _sample(row) -> Sample:
    """A sampled child with its postcode opened (the directory holds it sealed)."""
    from directory.models import Child

    family, given, born, sealed, public_id, authority = row
    postcode = Child.sealed_text("postcode", sealed, row=public_id)
    return Sample(family, given, born, postcode, public_id, authority)


def samples_anywhere(count: int, rng: random.Random, *, nicknamed: bool) -> list[Sample]:
    """Children anywhere in the directory (for break-glass), drawn by random id."""
    from django.db import connection

    from directory.normalise import _variant_groups

    names = sorted(_variant_groups()) if nicknamed else None
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM directory_child")
        top = cursor.fetchone()[0]
        ids = [rng.randint(1, top) for _ in range(count * (40 if nicknamed else 2))]
        cursor.execute(
            "SELECT family_name, given_name, date_of_birth, postcode_sealed, public_id, "
            "local_authority_id FROM directory_child WHERE id = ANY(%s) AND status = 'active' "
            "AND NOT shielded AND (%s::text[] IS NULL OR given_key = ANY(%s::text[])) LIMIT %s",
            [ids, names, names, count],
        )
        return [_sample(row) for row in cursor.fetchall()]


def criteria_for(kind: str, sample: Sample, rng: random.Random, cursor):
    """The search a practitioner would type for ``sample`` with this kind of error, or None
    when the kind does not apply to this child (no nickname, no sound-alike spelling)."""
    from access.gateway import SearchCriteria

    base = SearchCriteria(
        family_name=sample.family_name, given_name=sample.given_name, purpose="current_involvement"
    )
    if kind == "exact":
        return base
    if kind == "typo":
        return replace(base, family_name=typo(sample.family_name, rng))
    if kind == "nickname":
        variant = nickname(sample.given_name, rng)
        return replace(base, given_name=variant) if variant else None
    if kind == "phonetic":
        variant = sound_alike(sample.family_name, cursor)
        return replace(base, family_name=variant) if variant else None
    raise ValueError(kind)


class Capture:
    """Execute wrapper that keeps the search statements the service sends (name keys and
    children) and its audit insert, so the floor runs exactly the same SQL. The floor runs
    on the service's own connection, so a statement the service prepared
    (contactpoint/prepared_sql.py) is there for it: the floor sends the same EXECUTE, and
    never the PREPARE again."""

    def __init__(self):
        self.statements: list[tuple[str, object]] = []
        self.audit: list[tuple[str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        if sql.startswith("PREPARE "):
            return execute(sql, params, many, context)
        if sql.startswith('INSERT INTO "audit_accessevent"'):
            self.audit.append((sql, params))
            return execute(sql, params, many, context)
        if (
            "directory_familynamekey" in sql
            or "directory_child" in sql
            or "set_config" in sql
            or sql.startswith("EXECUTE cp_")
        ):
            self.statements.append((sql, params))
        return execute(sql, params, many, context)


def floor_run(statements: list[tuple[str, object]]) -> float:
    """The captured statements through the raw driver in one transaction: the database's
    own cost for this search (and its audit insert, when given), without Django, vetting or
    Redis."""
    from django.db import connection

    raw = connection.connection
    started = time.perf_counter()
    with raw.cursor() as cursor:
        cursor.execute("BEGIN")
        for sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()
        cursor.execute("COMMIT")
    return (time.perf_counter() - started) * 1000


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


class BreakGlass:
    """An open emergency request for the break-glass user, renewed before it expires."""

    def __init__(self, user, actor):
        self.user, self.actor = user, actor
        self.request = None
        self.opened = 0.0

    def renew(self) -> None:
        """Open a request when there is none or it is about to lapse (its event is not a
        search's, so this runs before a search's statements are captured)."""
        from access.gateway.break_glass import access_request_open

        if self.request is None or time.monotonic() - self.opened > 600:
            self.request = access_request_open(
                user=self.user,
                kind="emergency",
                reason="risk_of_harm",
                justification="Benchmark: a whole-directory search timed at national scale.",
                actor=self.actor,
            )
            self.opened = time.monotonic()

    def search(self, criteria):
        from access.gateway.break_glass import directory_search

        self.renew()
        return directory_search(
            user=self.user, request=self.request, criteria=criteria, actor=self.actor
        )


def search(glass: BreakGlass | None, user, criteria, actor) -> None:
    """One search through the service, as the search page (or break-glass page) makes it."""
    from access.gateway import child_search

    if glass:
        glass.search(criteria)
    else:
        child_search(user=user, criteria=criteria, actor=actor)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--iterations", type=int, default=100, help="samples per user and kind")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=5, help="unrecorded samples per case")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN the first of each case")
    parser.add_argument(
        "--only",
        choices=("school", "gp", "local authority", "break-glass"),
        action="append",
        help="time only these users' searches (repeatable; default: all four)",
    )
    args = parser.parse_args()
    django_setup(args.database)

    from django.db import connection

    from audit.models import AccessEvent
    from audit.writer import Actor

    rng = random.Random(args.seed)
    users = users_ensure()
    first_event = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    service: dict[str, list[float]] = {}
    floor: dict[str, list[float]] = {}
    searches = replays = 0
    read_only: dict[str, list[float]] = {}
    explained: set[str] = set()
    for label, user in users.items():
        if args.only and label not in args.only:
            continue
        actor = Actor(user.pk, user.username, user.role, user.organisation_id, "127.0.0.1", "bench")
        glass = BreakGlass(user, actor) if label == "break-glass" else None
        for kind in KINDS:
            nicknamed = kind == "nickname"
            wanted = args.iterations + args.warmup
            if glass:
                samples = samples_anywhere(wanted, rng, nicknamed=nicknamed)
            else:
                samples = samples_in_scope(user, wanted, rng, nicknamed=nicknamed)
            for n, sample in enumerate(samples):
                with connection.cursor() as cursor:
                    criteria = criteria_for(kind, sample, rng, cursor)
                if criteria is None:
                    continue
                shapes = {
                    "with dob": replace(criteria, date_of_birth=sample.date_of_birth),
                    ("postcode" if glass else "no dob"): (
                        replace(criteria, postcode=sample.postcode) if glass else criteria
                    ),
                }
                for shape, typed in shapes.items():
                    case = f"{label} | {kind} | {shape}"
                    if glass:
                        glass.renew()
                    capture = Capture()
                    with connection.execute_wrapper(capture):
                        search(glass, user, typed, actor)
                    reads = floor_run(capture.statements)
                    low = floor_run(capture.statements + capture.audit)
                    replays += len(capture.audit)
                    started = time.perf_counter()
                    search(glass, user, typed, actor)
                    elapsed = (time.perf_counter() - started) * 1000
                    searches += 2
                    if n >= args.warmup:
                        service.setdefault(case, []).append(elapsed)
                        floor.setdefault(case, []).append(low)
                        read_only.setdefault(case, []).append(reads)
                    if args.explain and case not in explained:
                        explained.add(case)
                        explain(case, capture.statements)
    written = AccessEvent.objects.filter(
        id__gt=first_event, action__in=["search", "directory_search"]
    ).count()
    report(service, floor, read_only)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM directory_child")
        children = cursor.fetchone()[0]
    print(f"\nchildren in {args.database}: {children:,}; PostgreSQL {connection.pg_version}")
    print(
        f"searches made: {searches}; floor runs with an audit insert: {replays}; "
        f"audit search events written: {written}"
    )


def explain(case: str, statements: list[tuple[str, object]]) -> None:
    from django.db import connection

    print(f"\n--- {case}")
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        for sql, params in statements:
            if sql.lstrip().upper().startswith("SELECT SET_CONFIG"):
                cursor.execute(sql, params)
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", params)
            print("\n".join(row[0] for row in cursor.fetchall()))
        cursor.execute("COMMIT")


def report(
    service: dict[str, list[float]],
    floor: dict[str, list[float]],
    read_only: dict[str, list[float]],
) -> None:
    header = (
        f"{'case':<44}{'n':>5}  {'service p50/p95/p99 ms':>24}  {'floor p50/p95/p99 ms':>22}"
        f"  {'×p50':>5}{'×p95':>6}  {'read-only floor p95 ms':>22}{'×p95':>6}"
    )
    print(header)
    for case, values in service.items():
        low = floor[case]
        s50, s95, s99 = statistics.median(values), percentile(values, 95), percentile(values, 99)
        f50, f95, f99 = statistics.median(low), percentile(low, 95), percentile(low, 99)
        r95 = percentile(read_only[case], 95)
        print(
            f"{case:<44}{len(values):>5}  {s50:>7.1f} {s95:>7.1f} {s99:>7.1f}   "
            f"{f50:>6.1f} {f95:>6.1f} {f99:>6.1f}   {s50 / f50:>5.2f}{s95 / f95:>6.2f}  "
            f"{r95:>22.1f}{s95 / r95:>6.2f}"
        )


if __name__ == "__main__":
    main()
