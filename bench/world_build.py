"""Build a national-scale world (12 million children by default) into a named database.

    .venv/bin/python bench/world_build.py --children 200000 --database contactpoint_bench200k
    .venv/bin/python bench/world_build.py            # 12,000,000 into contactpoint_bench12m

Why not ``seed_demo``: it draws every row in Python (about 3,700 children a second), which
would take an hour for 12 million. Here Python only draws the small tables (names, local
authorities) and PostgreSQL generates the big ones with ``INSERT ... SELECT`` over
``generate_series``, every random choice a hash of the row number and a salt, so a seed and
a size always give the same world.

The schema is the application's own: the script runs ``migrate`` on the named database
first. Secondary indexes and foreign keys are dropped before the load and re-created after
it (their definitions are read back from the catalogue, so a new index in a migration is
built and timed too); row-by-row triggers are switched off during the load and their work
is done once in bulk (the ``cloaked`` default is written explicitly; the family-name key
dictionary is filled with one ``INSERT ... SELECT DISTINCT``).

The world: ~150 local authorities of uneven size; households of one to four children at one
address (3.5 % with twins); 2 % of households moved from another authority, with their old
school and GP involvements ended; about three involvements per child (GP, school, earlier
school, health visitor, and a few social-work, sexual-health and youth-offending ones, the
sexual-health ones cloaked); one or two carers per child; 3 % with a former surname.
Surnames follow the demo's ONS-like frequencies plus a long tail of rare surnames, with a
few compound shapes added (double-barrelled, and surnames with a particle such as Van der
Berg) so that search-quality queries can drop a part or a space; given names follow the
demo's popularity weights.

Needs the owner role (DATABASE_OWNER_URL or .data/stack.env): it creates the database.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "contactpoint_bench12m"
TABLES = ("directory_child", "directory_carer", "directory_involvement")
AUTHORITY_COUNT = 150
HOUSEHOLD_SLACK = 1.04  # households drawn beyond the expected need, trimmed to --children
_TAIL_SUFFIXES = (
    "ley", "ton", "field", "wood", "worth", "ford", "ham", "by", "son", "well", "stone",
    "croft", "dale", "hurst", "more", "combe", "bury", "land", "thorpe", "wick",
)  # fmt: skip
# Compound surnames the demo's pools hardly have (its own are mostly O'Neill and Da Costa):
# a double-barrelled name for this share of surname draws, and these particle names.
# The share is a modelling choice so that a search-quality kind has children to apply to,
# not a measured figure.
DOUBLE_BARRELLED_SHARE = 0.02
_PARTICLE_SURNAMES = (
    "Van der Berg", "Van Dijk", "Van der Merwe", "De Souza", "Da Silva", "Du Plessis",
    "De Jong", "Van den Bosch", "Dos Santos", "Le Roux", "De la Cruz", "El Amin",
)  # fmt: skip
_AREA_LETTERS = "ABDEFGHJKLMNPRSTWY"
_REGION_NAMES = (
    "Ashby", "Brackley", "Calder", "Dunmore", "Elmsley", "Farrow", "Glenholt", "Harwood",
    "Ilsworth", "Kingsbury", "Langdale", "Marbury", "Northam", "Oxley", "Penrith", "Quarley",
    "Rowan", "Stanmore", "Thornton", "Upwell", "Varley", "Whitby", "Yarwood", "Zennor",
)  # fmt: skip


def owner_url() -> str:
    """The owner role's URL: the environment first, then what ``make services`` wrote."""
    url = os.environ.get("DATABASE_OWNER_URL")
    env_file = ROOT / ".data" / "stack.env"
    if not url and env_file.exists():
        for line in env_file.read_text().splitlines():
            if line.startswith("DATABASE_OWNER_URL="):
                url = line.split("=", 1)[1].strip()
    if not url:
        sys.exit("Set DATABASE_OWNER_URL (or run `make services`): the owner role creates it.")
    return url


def url_for_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def database_create(url: str, database: str, replace: bool) -> None:
    """Create ``database`` (as the owner); refuse to touch an existing one unless asked."""
    import psycopg2

    admin = psycopg2.connect(url_for_database(url, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        if cursor.fetchone():
            if not replace:
                sys.exit(f"{database} exists; pass --replace to drop and rebuild it.")
            database_drop(cursor, database)
        cursor.execute(f'CREATE DATABASE "{database}"')
    admin.close()


def database_drop(cursor, database: str, wait_seconds: int = 900) -> None:
    """Drop ``database``, waiting while autovacuum works in it: its workers run as the
    superuser, whom the owner role may not terminate (seen after an interrupted build)."""
    import psycopg2

    waited = 0
    while True:
        try:
            cursor.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
            return
        except psycopg2.errors.InsufficientPrivilege:
            if waited >= wait_seconds:
                raise
            if waited == 0:
                print(f"{database}: waiting for autovacuum to leave it before dropping it")
            time.sleep(10)
            waited += 10


@dataclass(frozen=True)
class Authority:
    idx: int
    code: str
    name: str
    area: str
    children: int


def authorities_draw(children: int, rng: random.Random) -> list[Authority]:
    """~150 authorities whose sizes vary about tenfold (Rutland to Kent), summing to
    ``children``; the demo's four real ones first so their codes stay recognisable."""
    from directory.demo.places import AUTHORITIES

    weights = [rng.lognormvariate(0, 0.6) for _ in range(AUTHORITY_COUNT)]
    total = sum(weights)
    sizes = [max(50, int(children * w / total)) for w in weights]
    sizes[0] += children - sum(sizes)
    result = []
    for idx in range(1, AUTHORITY_COUNT + 1):
        if idx <= len(AUTHORITIES):
            code, name = AUTHORITIES[idx - 1].code, AUTHORITIES[idx - 1].name
        else:
            region = _REGION_NAMES[idx % len(_REGION_NAMES)]
            code, name = f"E06{900000 + idx:06d}", f"{region} {idx:03d}"
        first, second = divmod(idx - 1, len(_AREA_LETTERS))
        area = _AREA_LETTERS[first % len(_AREA_LETTERS)] + _AREA_LETTERS[second]
        result.append(Authority(idx, code, name, area, sizes[idx - 1]))
    return result


def names_draw(seed: int, rng: random.Random) -> dict[str, list[tuple]]:
    """Lookup tables of names, each a list of (idx, ...) rows, drawn from the demo's pools.

    A pool sampled uniformly keeps the demo's frequencies (Smith about 1.4 %); the synthetic
    tail (a stem of a real surname plus an English ending) gives the rare surnames a real
    directory is mostly made of, so typo queries are not all about common names. The
    compound surnames come from their own generator, so the given names drawn below stay
    what they were before they were added.
    """
    from directory.demo.names import name_pools_build

    pools = name_pools_build(seed=seed)
    surnames = [(i + 1, name, origin) for i, (name, origin) in enumerate(pools.surnames)]
    compound = random.Random(f"compound:{seed}")
    plain = [name for name, origin in pools.surnames if origin == "gb" and name.isalpha()]
    extra = [
        f"{compound.choice(plain)}-{compound.choice(plain)}"
        for _ in range(round(len(surnames) * DOUBLE_BARRELLED_SHARE))
    ]
    extra += [name for name in _PARTICLE_SURNAMES for _ in range(3)]
    surnames += [(len(surnames) + i + 1, name, "gb") for i, name in enumerate(extra)]
    stems = sorted({name[:4] for name, _ in pools.surnames if len(name) >= 5 and name.isalpha()})
    tail = sorted({stem + suffix for stem in stems for suffix in _TAIL_SUFFIXES})
    rng.shuffle(tail)
    given, adult = [], []
    for sex in ("female", "male"):
        for i in range(20_000):
            origin = rng.choice(pools.surnames)[1]
            given.append((sex, i + 1, pools.child_given_name(rng, origin=origin, sex=sex)))
        for i in range(5_000):
            origin = rng.choice(pools.surnames)[1]
            adult.append((sex, i + 1, pools.adult_given_name(rng, origin=origin, sex=sex)))
    return {
        "surname": surnames,
        "tail": [(i + 1, name) for i, name in enumerate(tail)],
        "given": given,
        "adult": adult,
    }


class Builder:
    """Runs the build's SQL on one owner connection and times each step."""

    def __init__(self, connection, *, children: int, seed: int):
        self.connection = connection
        self.children = children
        self.seed = seed
        self.timings: list[tuple[str, float]] = []

    def run(self, label: str, sql: str, params: dict | list | None = None) -> None:
        started = time.perf_counter()
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
        elapsed = time.perf_counter() - started
        self.timings.append((label, elapsed))
        print(f"  {label:<48}{elapsed:8.1f} s", flush=True)

    def lanes(self, *lanes: list[tuple]) -> None:
        """Run each lane's (label, sql, params) steps in order, the lanes side by side on
        their own connections: one INSERT ... SELECT keeps one core busy, and there are two."""
        with ThreadPoolExecutor(len(lanes)) as pool:
            futures = [pool.submit(self._lane, steps, i > 0) for i, steps in enumerate(lanes)]
            for future in futures:
                future.result()

    def _lane(self, steps: list[tuple], own_connection: bool) -> None:
        lane = self
        if own_connection:
            lane = Builder(self.connect(), children=self.children, seed=self.seed)
            lane.session_tune()
        for label, sql, *params in steps:
            lane.run(label, sql, *params)
        if lane is not self:
            self.timings.extend(lane.timings)
            lane.connection.close()

    def connect(self):
        import psycopg2

        connection = psycopg2.connect(self.connection.dsn)
        connection.autocommit = True
        return connection

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def session_tune(self) -> None:
        """Generous memory for sorts and index builds; durability is irrelevant for a
        world that can be rebuilt, so commits do not wait for the WAL flush."""
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SET maintenance_work_mem = '2GB'; SET work_mem = '512MB'; "
                "SET synchronous_commit = off; SET max_parallel_maintenance_workers = 0; "
                "SET max_parallel_workers_per_gather = 0"
            )


def lookup_tables_load(builder: Builder, authorities: list[Authority], names: dict) -> None:
    from psycopg2.extras import execute_values

    with builder.connection.cursor() as cursor:
        cursor.execute(
            "CREATE SCHEMA bench; "
            "CREATE FUNCTION bench.u(n bigint, salt bigint) RETURNS float8 "
            "LANGUAGE sql IMMUTABLE PARALLEL SAFE "
            "RETURN (hashint8extended(n, salt) & 2147483647)::float8 / 2147483648.0;"
            "CREATE TABLE bench.surname (idx int PRIMARY KEY, name text, origin text);"
            "CREATE TABLE bench.tail (idx int PRIMARY KEY, name text);"
            "CREATE TABLE bench.given (sex text, idx int, name text, PRIMARY KEY (sex, idx));"
            "CREATE TABLE bench.adult (sex text, idx int, name text, PRIMARY KEY (sex, idx));"
            "CREATE TABLE bench.la (idx int PRIMARY KEY, code text, name text, area text, "
            "children int, households int, h_offset bigint, postcodes int, primaries int, "
            "secondaries int, gps int)"
        )
        for table in ("surname", "tail", "given", "adult"):
            execute_values(cursor, f"INSERT INTO bench.{table} VALUES %s", names[table])
        offset, rows = 0, []
        for a in authorities:
            households = int(a.children / 1.64 * HOUSEHOLD_SLACK) + 1
            rows.append(
                (
                    a.idx,
                    a.code,
                    a.name,
                    a.area,
                    a.children,
                    households,
                    offset,
                    max(1, households // 15),
                    min(599, max(1, round(a.children * 7 / 18 / 235))),
                    min(99, max(1, round(a.children * 7 / 18 / 1350))),
                    min(199, max(1, round(a.children / 1860))),
                )
            )
            offset += households
        execute_values(cursor, "INSERT INTO bench.la VALUES %s", rows)


# Organisation ids are arithmetic, so involvements need no join to find theirs:
# authority * 1000 + offset (primaries 0-599, secondaries 600-699, GPs 700-899, services 900+).
ORGANISATIONS_SQL = """
INSERT INTO directory_localauthority (code, name) SELECT code, name FROM bench.la;
INSERT INTO directory_organisation
    (id, name, kind, code, local_authority_id, accredited, sensitive_service,
     phone, email, address, postcode)
SELECT la.idx * 1000 + o.offs + k, la.name || ' ' || o.label || ' ' || (k + 1), o.kind,
       'B' || (la.idx * 1000 + o.offs + k), la.code, true, o.sensitive,
       '01632 960' || lpad(((la.idx * 7 + k) % 1000)::text, 3, '0'),
       'office' || (la.idx * 1000 + o.offs + k) || '@example.org', '', ''
FROM bench.la
CROSS JOIN LATERAL (VALUES
    ('Primary School', 'school', 0, la.primaries, false),
    ('Academy', 'school', 600, la.secondaries, false),
    ('Medical Practice', 'gp_practice', 700, la.gps, false),
    ('Children''s Services', 'la_childrens_services', 900, 1, false),
    ('Health Visiting', 'health_service', 901, 1, false),
    ('Sexual Health Service', 'health_service', 902, 1, true),
    ('Youth Offending Team', 'youth_offending', 903, 1, false)
) AS o(label, kind, offs, n, sensitive)
CROSS JOIN LATERAL generate_series(0, o.n - 1) AS k;
SELECT setval(pg_get_serial_sequence('directory_organisation', 'id'),
              (SELECT max(id) FROM directory_organisation));
"""

# One row per household: where it lives, its surname, its size, whether it moved.
HOUSEHOLDS_SQL = """
CREATE UNLOGGED TABLE bench.household AS
WITH raw AS (
    SELECT la.h_offset + g AS h, la.idx AS la_idx, la.postcodes, la.primaries,
           la.secondaries, la.gps
    FROM bench.la, generate_series(1, la.households) AS g
), drawn AS (
    SELECT r.*,
           CASE WHEN bench.u(h, 1) < 0.55 THEN 1 WHEN bench.u(h, 1) < 0.85 THEN 2
                WHEN bench.u(h, 1) < 0.96 THEN 3 ELSE 4 END AS size,
           bench.u(h, 2) < 0.02 AS moved
    FROM raw r
), placed AS (
    SELECT d.*, sum(size) OVER (ORDER BY bench.u(h, 99), h) AS last_child
    FROM drawn d
)
SELECT h, la_idx, size, last_child - size AS first_child, moved,
       CASE WHEN moved THEN 1 + (la_idx + (hashint8extended(h, 3) & 1023) %% 149) %% 150 END
           AS prev_la_idx,
       CASE WHEN moved THEN %(today)s::date - (30 + floor(bench.u(h, 4) * 700))::int END
           AS moved_on,
       floor(bench.u(h, 5) * postcodes)::int AS pc,
       floor(bench.u(h, 6) * primaries)::int AS primary_k,
       floor(bench.u(h, 7) * secondaries)::int AS secondary_k,
       floor(bench.u(h, 8) * gps)::int AS gp_k,
       bench.u(h, 28) AS prev_primary_u,
       bench.u(h, 29) AS prev_gp_u,
       bench.u(h, 9) < 0.9 AS from_pool,
       bench.u(h, 10) AS name_u,
       bench.u(h, 11) < 0.035 AS twins,
       floor(bench.u(h, 12) * 16 * 365)::int AS youngest_age,
       400 + floor(bench.u(h, 13) * 1400)::int AS gap,
       bench.u(h, 14) < 0.003 AS shielded,
       1 + floor(bench.u(h, 15) * 160)::int AS house_number,
       bench.u(h, 16) AS street_u
FROM placed
WHERE last_child - size < %(children)s;
"""

# One row per child, with everything the child, carer and involvement inserts need.
KIDS_SQL = """
CREATE UNLOGGED TABLE bench.kid AS
WITH k AS (
    SELECT h.*, h.first_child + o AS id, o AS ord,
           CASE WHEN bench.u(h.first_child + o, 20) < 0.49 THEN 'female' ELSE 'male' END AS sex
    FROM bench.household h CROSS JOIN LATERAL generate_series(1, h.size) AS o
    WHERE h.first_child + o <= %(children)s
)
SELECT k.*,
       -- Older siblings past 18 wrap round to a younger age instead of all being born on the
       -- one day 18 years ago (5 %% of children shared that date of birth before).
       %(today)s::date - (youngest_age
           + (size - CASE WHEN twins AND ord = 2 THEN 1 ELSE ord END) * gap) %% (18 * 365 - 2)
           AS date_of_birth,
       1 + floor(bench.u(id, 21) * 20000)::int AS given_idx,
       bench.u(id, 22) < 0.05 AS own_surname,
       bench.u(id, 23) < 0.03 AS has_former,
       bench.u(id, 24) AS other_u,
       bench.u(id, 25) < 0.005 AS archived
FROM k;
"""

# A surname is drawn from the frequency pool or the rare tail; stepchildren draw their own.
SURNAME_SQL = """
CASE WHEN {from_pool}
     THEN (SELECT name FROM bench.surname WHERE idx = 1 + floor({u} * {pool})::int)
     ELSE (SELECT name FROM bench.tail WHERE idx = 1 + floor({u} * {tail})::int) END
"""

# The children with their address in the clear, in the unlogged scratch schema only: the
# address is sealed in Python (``seal_pass``) before any of it reaches directory_child.
CHILDREN_SQL = """
CREATE UNLOGGED TABLE bench.child_plain AS
SELECT k.id,
       translate(left(md5(%(seed)s || ':' || k.id), 26), '0189', 'wxyz') AS public_id,
       g.name AS given_name,
       {surname} AS family_name,
       CASE WHEN k.has_former THEN ARRAY[g.name || ' ' || {former}]::varchar[]
            ELSE '{{}}'::varchar[] END AS former_names,
       k.date_of_birth,
       CASE WHEN bench.u(k.id, 26) < 0.002 THEN 'not_known' ELSE k.sex END AS gender,
       k.house_number || ' ' || (SELECT name FROM bench.tail
                                 WHERE idx = 1 + floor(k.street_u * {tail})::int)
           || ' Road' AS address_line_1,
       ''::text AS address_line_2, la.name AS town,
       la.area || (1 + k.pc %% 20) || ' ' || ((k.pc / 20) %% 10)
           || substr('ABDEFGHJLNPQRSTUWXYZ', 1 + (k.pc / 200) %% 20, 1)
           || substr('ABDEFGHJLNPQRSTUWXYZ', 1 + (k.pc / 4000) %% 20, 1) AS postcode,
       la.code AS local_authority_id,
       CASE WHEN k.archived THEN 'archived' ELSE 'active' END AS status,
       k.shielded
FROM bench.kid k
JOIN bench.given g ON g.sex = k.sex AND g.idx = k.given_idx
JOIN bench.la la ON la.idx = k.la_idx;
SELECT setval(pg_get_serial_sequence('directory_child', 'id'), %(children)s);
"""

CHILDREN_INSERT_SQL = """
INSERT INTO directory_child
    (id, public_id, given_name, family_name, preferred_name, former_names, date_of_birth,
     gender, local_authority_id, status, shielded, created_at, updated_at,
     address_line_1_sealed, address_line_2_sealed, town_sealed, postcode_sealed, sealed_with,
     postcode_index, outward_index)
SELECT p.id, p.public_id, p.given_name, p.family_name, '', p.former_names, p.date_of_birth,
       p.gender, p.local_authority_id, p.status, p.shielded, now(), now(),
       s.a1, s.a2, s.town, s.postcode, s.key, s.pidx, s.oidx
FROM bench.child_plain p JOIN bench.child_sealed s ON s.id = p.id;
"""

# Carers likewise: in the clear only in scratch, with ids fixed here (two per child at most)
# because each carer's contacts are sealed bound to the carer's own id.
CARERS_SQL = """
CREATE UNLOGGED TABLE bench.carer_plain AS
SELECT 2 * k.id + v.n - 2 AS id, k.id AS child_id, a.name AS given_name, c.family_name,
       v.relationship,
       '07700 900' || lpad(((k.h * v.n) %% 1000)::text, 3, '0') AS phone,
       CASE WHEN bench.u(k.h, 40 + v.n) < 0.65
            THEN lower(a.name) || '.' || k.h || '@example.com' ELSE '' END AS email,
       ''::text AS address
FROM bench.kid k
JOIN bench.child_plain c ON c.id = k.id
CROSS JOIN LATERAL (VALUES (1, 'female', 'Mother', bench.u(k.h, 30) < 0.92),
                           (2, 'male', 'Father', bench.u(k.h, 31) < 0.62))
    AS v(n, sex, relationship, present)
JOIN bench.adult a ON a.sex = v.sex AND a.idx = 1 + floor(bench.u(k.h, 32 + v.n) * 5000)::int
WHERE v.present;
SELECT setval(pg_get_serial_sequence('directory_carer', 'id'), 2 * %(children)s);
"""

CARERS_INSERT_SQL = """
INSERT INTO directory_carer
    (id, child_id, given_name, family_name, relationship, parental_responsibility,
     phone_sealed, email_sealed, address_sealed, sealed_with)
SELECT p.id, p.child_id, p.given_name, p.family_name, p.relationship, true,
       s.phone, s.email, s.address, s.key
FROM bench.carer_plain p JOIN bench.carer_sealed s ON s.id = p.id;
"""

# About three involvements a child. Ages in days; school years start on 1 September in
# life, here simply on the birthday, which is all a directory benchmark needs.
INVOLVEMENTS_SQL = """
INSERT INTO directory_involvement
    (child_id, organisation_id, practitioner_id, role, started_on, ended_on, cloaked)
SELECT k.id, v.org, NULL, v.role, v.started_on, v.ended_on, v.cloaked
FROM (
    SELECT kid.*, %(today)s::date - date_of_birth AS age,
           coalesce(moved_on, date_of_birth) AS here_since,
           floor(prev_primary_u * pl.primaries)::int AS prev_primary_k,
           floor(prev_gp_u * pl.gps)::int AS prev_gp_k
    FROM bench.kid kid LEFT JOIN bench.la pl ON pl.idx = kid.prev_la_idx
) k
CROSS JOIN LATERAL (VALUES
    -- GP where they live now, and where they lived before a move
    (bench.u(k.id, 50) < 0.97, 'gp', k.la_idx * 1000 + 700 + k.gp_k,
     greatest(k.date_of_birth, k.here_since), NULL::date, false),
    (k.moved, 'gp', k.prev_la_idx * 1000 + 700 + k.prev_gp_k,
     k.date_of_birth, k.moved_on, false),
    -- school: primary 4-10, secondary 11-17 (85 %% stay on past 16), earlier primary ended
    (k.age BETWEEN 4 * 365 AND 11 * 365 - 1, 'school', k.la_idx * 1000 + k.primary_k,
     greatest(k.date_of_birth + 4 * 365, k.here_since), NULL, false),
    (k.age BETWEEN 11 * 365 AND 16 * 365 - 1
     OR (k.age >= 16 * 365 AND bench.u(k.id, 51) < 0.85),
     'school', k.la_idx * 1000 + 600 + k.secondary_k,
     greatest(k.date_of_birth + 11 * 365, k.here_since), NULL, false),
    (k.age >= 11 * 365 AND NOT k.moved, 'school', k.la_idx * 1000 + k.primary_k,
     k.date_of_birth + 4 * 365, k.date_of_birth + 11 * 365, false),
    (k.moved AND k.age >= 4 * 365 AND k.moved_on > k.date_of_birth + 4 * 365, 'school',
     k.prev_la_idx * 1000 + k.prev_primary_k, k.date_of_birth + 4 * 365, k.moved_on, false),
    -- health visitor until five
    (true, 'health_visitor', k.la_idx * 1000 + 901, k.date_of_birth,
     CASE WHEN k.age >= 5 * 365 THEN k.date_of_birth + 5 * 365 END, false),
    -- children's social care, sexual health (cloaked), youth offending
    (bench.u(k.id, 52) < 0.04, 'social_worker', k.la_idx * 1000 + 900,
     %(today)s::date - floor(bench.u(k.id, 53) * least(k.age, 900))::int, NULL, false),
    (k.age >= 13 * 365 AND bench.u(k.id, 54) < 0.04, 'sexual_health',
     k.la_idx * 1000 + 902, %(today)s::date - floor(bench.u(k.id, 55) * 300)::int, NULL, true),
    (k.age >= 14 * 365 AND bench.u(k.id, 56) < 0.02, 'youth_offending',
     k.la_idx * 1000 + 903, %(today)s::date - floor(bench.u(k.id, 57) * 300)::int, NULL, false)
) AS v(applies, role, org, started_on, ended_on, cloaked)
WHERE v.applies;
"""

# The keys, with how many active children carry each (the matcher's term frequencies, as
# cp_family_key_frequencies_refresh() would count them).
FAMILY_KEYS_SQL = """
INSERT INTO directory_familynamekey (key, children)
SELECT k, count(*) FILTER (WHERE c.status = 'active')
FROM directory_child c, unnest(array[c.family_key] || c.former_family_keys) AS k
WHERE k IS NOT NULL AND k <> ''
GROUP BY k
ON CONFLICT (key) DO UPDATE SET children = EXCLUDED.children;
"""


def seal_pass(builder: Builder) -> None:
    """Seal the scratch tables' addresses and contacts (``directory.sealing``, the same code
    every writer uses) into scratch tables of sealed values, which the inserts join: the
    directory's tables never hold them in the clear, and no row is written twice."""
    from directory.sealing.backfill import CARER, CHILD, bulk_sealer

    for label, plain, row, names, index in (
        ("seal children's addresses", "child_plain", "public_id", CHILD, True),
        ("seal carers' contacts", "carer_plain", "id", CARER, False),
    ):
        started = time.perf_counter()
        target = plain.replace("plain", "sealed")
        columns = [*("a1 a2 town postcode".split() if index else names), "key"]
        columns += ["pidx", "oidx"] if index else []
        types = ["bytea"] * len(names) + ["int"] + ["bigint"] * (2 if index else 0)
        sealer = bulk_sealer(f"directory_{plain.split('_')[0]}", names, index=index)
        reader = builder.connect()
        reader.autocommit = False
        with builder.connection.cursor() as cursor:
            cursor.execute(
                f"CREATE UNLOGGED TABLE bench.{target} (id bigint, "
                + ", ".join(f"{c} {t}" for c, t in zip(columns, types, strict=True))
                + ")"
            )
            source = reader.cursor(name="plain")
            source.itersize = 20_000
            source.execute(f"SELECT id, {row}, {', '.join(names)} FROM bench.{plain}")
            while batch := source.fetchmany(20_000):
                buffer = io.StringIO()
                for pk, binding, *texts in batch:
                    values = (pk, *sealer(binding, texts))
                    buffer.write(
                        "\t".join(
                            "\\N" if v is None else str(v).replace("\\", "\\\\") for v in values
                        )
                        + "\n"
                    )
                buffer.seek(0)
                cursor.copy_expert(f"COPY bench.{target} FROM STDIN", buffer)
        reader.close()
        elapsed = time.perf_counter() - started
        builder.timings.append((label, elapsed))
        print(f"  {label:<48}{elapsed:8.1f} s", flush=True)


def children_sql(surnames: int, tail: int) -> str:
    own = SURNAME_SQL.format(from_pool="k.from_pool", u="k.name_u", pool=surnames, tail=tail)
    step = SURNAME_SQL.format(from_pool="k.other_u < 0.9", u="k.other_u", pool=surnames, tail=tail)
    surname = f"CASE WHEN k.own_surname THEN {step} ELSE {own} END"
    former = SURNAME_SQL.format(
        from_pool="k.other_u < 0.8", u="bench.u(k.id, 27)", pool=surnames, tail=tail
    )
    return CHILDREN_SQL.format(surname=surname, former=former, tail=tail)


def deferred_definitions(builder: Builder) -> tuple[list[tuple], list[tuple]]:
    """Secondary indexes, unique constraints and foreign keys of the big tables, as the
    catalogue defines them after ``migrate``: dropped for the load, re-created after it."""
    constraints = builder.rows(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype "
        "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'f') "
        "ORDER BY contype DESC, conname",
        [list(TABLES)],
    )
    indexes = builder.rows(
        "SELECT i.indrelid::regclass::text, c.relname, pg_get_indexdef(i.indexrelid) "
        "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
        "ORDER BY 1, 2",
        [list(TABLES)],
    )
    return indexes, constraints


def deferred_drop(builder: Builder, indexes: list[tuple], constraints: list[tuple]) -> None:
    statements = [f'ALTER TABLE {t} DROP CONSTRAINT "{name}"' for t, name, _, _ in constraints]
    statements += [f'DROP INDEX "{name}"' for _, name, _ in indexes]
    statements += [f"ALTER TABLE {t} DISABLE TRIGGER USER" for t in TABLES]
    builder.run("drop indexes, constraints; disable triggers", "; ".join(statements))


def deferred_create(builder: Builder, indexes: list[tuple], constraints: list[tuple]) -> float:
    """Indexes in two lanes (one per core, each build single-threaded), then constraints:
    unique first, foreign keys last (they need the referenced tables' indexes)."""
    started = time.perf_counter()
    steps = [(f"index {name}", definition) for _table, name, definition in indexes]
    steps += [
        (f"constraint {name}", f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for table, name, definition, kind in constraints
        if kind == "u"
    ]
    steps.sort(key=lambda step: ("directory_child" not in step[1], step[0]))
    builder.lanes(steps[0::2], steps[1::2])
    foreign = [
        (f"constraint {name}", f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for table, name, definition, kind in constraints
        if kind == "f"
    ]
    builder.lanes(foreign[0::2], foreign[1::2])
    builder.run(
        "enable triggers", "; ".join(f"ALTER TABLE {t} ENABLE TRIGGER USER" for t in TABLES)
    )
    return time.perf_counter() - started


def sizes_print(builder: Builder) -> None:
    rows = builder.rows(
        "SELECT c.relname, c.relkind, coalesce(i.indrelid::regclass::text, c.relname), "
        "pg_relation_size(c.oid), c.reltuples::bigint "
        "FROM pg_class c LEFT JOIN pg_index i ON i.indexrelid = c.oid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public' "
        "WHERE c.relkind IN ('r', 'i') AND coalesce(i.indrelid::regclass::text, c.relname) "
        "LIKE 'directory_%' ORDER BY 3, 2 DESC, 4 DESC"
    )
    print(f"\n{'table / index':<58}{'rows':>14}{'size MB':>10}")
    total = 0
    for name, kind, _table, size, tuples in rows:
        total += size
        label = name if kind == "r" else f"  {name}"
        shown = f"{tuples:,}" if kind == "r" else ""
        print(f"{label:<58}{shown:>14}{size / 2**20:>10,.0f}")
    print(f"{'total (directory tables and indexes)':<58}{'':>14}{total / 2**20:>10,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=12_000_000)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--replace", action="store_true", help="drop and rebuild the database")
    args = parser.parse_args()

    base = owner_url()
    database_create(base, args.database, args.replace)
    url = url_for_database(base, args.database)
    os.environ["DATABASE_URL"] = os.environ["DATABASE_OWNER_URL"] = url
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactpoint.settings.development")
    import django
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    django.setup()
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter() - started
    print(f"{args.database}: migrate {migrated:.1f} s; building {args.children:,} children")

    connection.ensure_connection()
    builder = Builder(connection.connection, children=args.children, seed=args.seed)
    builder.connection.autocommit = True
    builder.session_tune()
    rng = random.Random(args.seed)
    authorities = authorities_draw(args.children, rng)
    names = names_draw(args.seed, rng)
    lookup_tables_load(builder, authorities, names)
    indexes, constraints = deferred_definitions(builder)
    deferred_drop(builder, indexes, constraints)

    params = {"today": timezone.localdate(), "children": args.children, "seed": args.seed}
    load_started = time.perf_counter()
    builder.run("local authorities, organisations", ORGANISATIONS_SQL)
    builder.run("households (unlogged scratch)", HOUSEHOLDS_SQL, params)
    builder.run("children (unlogged scratch)", KIDS_SQL, params)
    sql = children_sql(len(names["surname"]), len(names["tail"]))
    builder.run("children in the clear (unlogged scratch)", sql, params)
    builder.run("carers in the clear (unlogged scratch)", CARERS_SQL, params)
    seal_pass(builder)
    builder.lanes(
        [
            ("directory_child", CHILDREN_INSERT_SQL),
            ("directory_carer", CARERS_INSERT_SQL),
            ("directory_familynamekey (bulk fill)", FAMILY_KEYS_SQL),
        ],
        [("directory_involvement", INVOLVEMENTS_SQL, params)],
    )
    builder.run("drop scratch", "DROP SCHEMA bench CASCADE")
    loaded = time.perf_counter() - load_started
    indexed = deferred_create(builder, indexes, constraints)
    vacuum_started = time.perf_counter()
    builder.lanes(
        [(f"vacuum analyze {t}", f"VACUUM (ANALYZE) {t}") for t in TABLES[:2]],
        [
            (f"vacuum analyze {t}", f"VACUUM (ANALYZE) {t}")
            for t in (TABLES[2], "directory_familynamekey", "directory_organisation")
        ],
    )
    vacuumed = time.perf_counter() - vacuum_started
    total = time.perf_counter() - started
    counts = builder.rows(
        "SELECT (SELECT count(*) FROM directory_child), "
        "(SELECT count(*) FROM directory_involvement), (SELECT count(*) FROM directory_carer), "
        "(SELECT count(*) FROM directory_organisation), "
        "(SELECT count(*) FROM directory_familynamekey)"
    )[0]
    sizes_print(builder)
    print(
        f"\nchildren {counts[0]:,}; involvements {counts[1]:,}; carers {counts[2]:,}; "
        f"organisations {counts[3]:,}; family-name keys {counts[4]:,}"
    )
    print(
        f"migrate {migrated:.0f} s; load {loaded:.0f} s; indexes and constraints "
        f"{indexed:.0f} s; vacuum analyze {vacuumed:.0f} s; total {total:.0f} s "
        f"({total / 60:.1f} min)"
    )


if __name__ == "__main__":
    main()
