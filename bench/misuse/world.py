"""A synthetic directory and workforce for the misuse benchmark, written in bulk.

Shape, per local authority of about a thousand users: schools, GP practices, a health-visiting
service, children's services (social workers, child-protection practitioners, data managers),
a youth offending team, a police child-abuse team, and two night teams that legitimately
break glass often: an emergency duty team and an out-of-hours GP service. Every team of
about eight has a supervisor. Children live in households (shared family name and postcode,
about six children a postcode as in England) and are involved with a school, a GP, health
visitors while under five, and — a few — social care, youth offending or the police, with a
named practitioner where the service has one (the "own caseload" explanation).

Users' family names come from the same pool as children's, and their home postcodes from the
same postcodes, so the coincidences the own-family detector must live with happen at a
realistic rate. Everything big is written with ``COPY`` (``directory.demo.pgcopy``).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction

from access.models import User
from directory.demo.names import name_pools_build
from directory.demo.pgcopy import ids_reserve, rows_copy, tables_analyse
from directory.models import Child, Involvement, LocalAuthority, Organisation, Practitioner
from directory.sealing.backfill import CHILD as CHILD_SEALED
from directory.sealing.backfill import bulk_sealer

USERS_PER_AUTHORITY = 1000
CHILDREN_PER_POSTCODE = 6
TEAM_SIZE = 8

# (profile, organisation kind, role, organisations per authority, users per organisation).
# Profiles drive working habits (``habits.py``); counts are per thousand users.
STAFFING = (
    ("teacher", "school", "practitioner", 48, 9),
    ("gp", "gp_practice", "practitioner", 20, 8),
    ("health_visitor", "health_service", "practitioner", 1, 80),
    ("social_worker", "la_childrens_services", "practitioner", 1, 120),
    ("child_protection", "la_childrens_services", "child_protection_practitioner", 1, 40),
    ("data_manager", "la_childrens_services", "data_manager", 1, 6),
    ("youth_offending", "youth_offending", "practitioner", 1, 30),
    ("police", "police", "practitioner", 1, 30),
    ("emergency_duty", "la_childrens_services", "child_protection_practitioner", 1, 12),
    ("out_of_hours_gp", "health_service", "practitioner", 1, 16),
)
NIGHT_PROFILES = frozenset({"emergency_duty", "out_of_hours_gp"})
NAMED_CASELOAD = frozenset({"health_visitor", "social_worker", "child_protection"})


@dataclass(slots=True)
class Person:
    """A user of the benchmark world and what their work looks like."""

    id: int
    username: str
    profile: str
    role: str
    org_id: int | None
    org_kind: str
    la: int
    last_name: str
    home_postcode: str
    supervisor_id: int | None = None
    leads: str = ""
    team: list[int] = field(default_factory=list)
    caseload: list[int] = field(default_factory=list)


@dataclass
class World:
    """What the generators need to know without asking the database again."""

    authorities: list[str]
    people: list[Person]
    by_id: dict[int, Person]
    child_db_id: list[int]
    child_public: list[str]
    child_family: list[str]
    child_given: list[str]
    child_born: list[date]
    child_postcode: list[str]
    child_la: list[int]
    shielded: list[int]
    la_children: list[range]
    org_children: dict[int, list[int]]
    family_count: Counter
    postcode_children: dict[str, list[int]]
    common_share: float = 0.002
    # (profile, authority index) -> organisation ids; user id -> practitioner id (named
    # caseload): what ``traces.py`` needs to open a case after a lookup.
    la_orgs: dict[tuple[str, int], list[int]] = field(default_factory=dict)
    practitioner_of: dict[int, int] = field(default_factory=dict)
    # Children whose case ``traces.py`` opened during the month.
    case_children: set[int] = field(default_factory=set)

    def is_common(self, family_name: str) -> bool:
        return self.family_count[family_name] >= max(
            5, int(len(self.child_public) * self.common_share)
        )


def world_build(*, users: int, children_per_user: float, seed: int, today: date) -> World:
    """Write the directory and the users in one transaction; return the world's map."""
    rng = random.Random(seed)
    pools = name_pools_build(seed=seed)
    n_la = max(3, round(users / USERS_PER_AUTHORITY))
    scale = users / (n_la * USERS_PER_AUTHORITY)
    with transaction.atomic():
        codes = _authorities(n_la)
        orgs = _organisations(codes, scale)
        world = _children(rng, pools, codes, int(users * children_per_user), today)
        world.people, world.by_id = _people(rng, pools, orgs, world)
        _involvements(rng, world, orgs, today)
        tables_analyse(Child, Involvement, User, Practitioner)
    return world


def _authorities(n_la: int) -> list[str]:
    codes = [f"E9{n:07d}" for n in range(n_la)]
    LocalAuthority.objects.bulk_create(
        [LocalAuthority(code=code, name=f"Bench authority {n}") for n, code in enumerate(codes)]
    )
    return codes


def _organisations(codes: list[str], scale: float) -> list[tuple[str, int, list[tuple]]]:
    """Per profile: (profile, authority index, [(organisation id, kind, users)])."""
    made = []
    rows = []
    for la, code in enumerate(codes):
        for profile, kind, _role, per_la, per_org in STAFFING:
            count = max(1, round(per_la * scale)) if per_la > 1 else 1
            staff = per_org if per_la > 1 else max(2, round(per_org * scale))
            for n in range(count):
                rows.append((profile, la, kind, staff))
                made.append(
                    Organisation(
                        name=f"{profile.replace('_', ' ').title()} {la}-{n}",
                        kind=kind,
                        code=f"B{la:04d}{profile[:3].upper()}{n:04d}",
                        local_authority_id=code,
                        accredited=True,
                    )
                )
    created = Organisation.objects.bulk_create(made)
    return [
        (profile, la, org.pk, kind, staff)
        for (profile, la, kind, staff), org in zip(rows, created, strict=True)
    ]


def _postcode(la: int, n: int) -> str:
    area = chr(65 + la // 26 % 26) + chr(65 + la % 26)
    inward = f"{n % 9 + 1}{chr(65 + n // 9 % 26)}{chr(65 + n // 234 % 26)}"
    return f"{area}{n // 6084 + 1} {inward}"


def _children(rng, pools, codes, total: int, today: date) -> World:
    """Households of one to three children; about six children share a postcode."""
    per_la = total // len(codes)
    ids = ids_reserve(Child, per_la * len(codes))
    world = World(
        authorities=codes, people=[], by_id={}, child_db_id=ids, child_public=[], child_family=[],
        child_given=[], child_born=[], child_postcode=[], child_la=[], shielded=[],
        la_children=[], org_children={}, family_count=Counter(), postcode_children={},
    )  # fmt: skip
    for la in range(len(codes)):
        start = len(world.child_public)
        postcodes = max(1, per_la // CHILDREN_PER_POSTCODE)
        while len(world.child_public) < start + per_la:
            family, origin = pools.surname(rng)
            postcode = _postcode(la, rng.randrange(postcodes))
            for _ in range(
                min(rng.choice((1, 1, 2, 2, 2, 3)), start + per_la - len(world.child_public))
            ):
                index = len(world.child_public)
                sex = rng.choice(("female", "male"))
                world.child_public.append(f"bm{index:014d}")
                world.child_family.append(family)
                world.child_given.append(pools.child_given_name(rng, origin=origin, sex=sex))
                world.child_born.append(today - timedelta(days=rng.randrange(1, 18 * 365)))
                world.child_postcode.append(postcode)
                world.child_la.append(la)
                world.family_count[family] += 1
                world.postcode_children.setdefault(postcode, []).append(index)
                if rng.random() < 0.001:
                    world.shielded.append(index)
        world.la_children.append(range(start, len(world.child_public)))
    shielded = set(world.shielded)
    now = f"{today.isoformat()}T00:00:00+00:00"
    sealer = bulk_sealer("directory_child", CHILD_SEALED, index=True)
    rows_copy(
        Child,
        ("id", "public_id", "given_name", "family_name", "preferred_name", "former_names",
         "date_of_birth", "gender", "local_authority", "status", "shielded", "created_at",
         "updated_at", *(f"{name}_sealed" for name in CHILD_SEALED), "sealed_with",
         "postcode_index", "outward_index"),
        (
            (ids[i], world.child_public[i], world.child_given[i], world.child_family[i], "",
             "{}", world.child_born[i].isoformat(), "not_known", codes[world.child_la[i]],
             "active", i in shielded, now, now,
             *sealer(world.child_public[i], (f"{i % 160 + 1} Bench Street", "", "Benchtown",
                                             world.child_postcode[i])))
            for i in range(len(ids))
        ),
        nullable=("postcode_index", "outward_index"),
    )  # fmt: skip
    return world


def _people(rng, pools, orgs, world: World) -> tuple[list[Person], dict[int, Person]]:
    """Users, each team of about eight under a supervisor of the same organisation, plus two
    auditors for each of the first six authorities — a national team of at most twelve, since
    every alert for the auditors notifies each of them. Home postcodes: mostly in the
    authority they work for."""
    roles = {profile: role for profile, _k, role, _n, _s in STAFFING}
    planned: list[tuple] = []
    for profile, la, org_id, kind, staff in orgs:
        for member in range(staff):
            lead = member % TEAM_SIZE == 0
            planned.append((profile, la, org_id, kind, "supervisor" if lead else roles[profile]))
    for la in range(min(6, len(world.authorities))):
        planned += [("auditor", la, None, "", "auditor")] * 2
    ids = ids_reserve(User, len(planned))
    people, lead_of = [], None
    postcodes = list(world.postcode_children)
    for user_id, (profile, la, org_id, kind, role) in zip(ids, planned, strict=True):
        home_la = la if rng.random() < 0.8 else rng.randrange(len(world.authorities))
        local = _sample_postcodes(rng, world, home_la)
        person = Person(
            id=user_id,
            username=f"bench{user_id}",
            profile="supervisor" if role == "supervisor" else profile,
            role=role,
            org_id=org_id,
            org_kind=kind,
            la=la,
            last_name=pools.surname(rng)[0],
            home_postcode=local[0] if local else rng.choice(postcodes),
        )
        if role == "supervisor":
            person.leads = profile
            lead_of = person
        elif lead_of is not None and lead_of.org_id == org_id:
            person.supervisor_id = lead_of.id
            lead_of.team.append(user_id)
        people.append(person)
    _users_copy(people)
    return people, {p.id: p for p in people}


def _sample_postcodes(rng, world: World, la: int) -> list[str]:
    span = world.la_children[la]
    return [world.child_postcode[rng.randrange(span.start, span.stop)]] if span else []


def _users_copy(people: list[Person]) -> None:
    unusable = make_password(None)
    vetted = date.today().isoformat()
    rows_copy(
        User,
        ("id", "password", "is_superuser", "username", "first_name", "last_name", "email",
         "is_staff", "is_active", "date_joined", "organisation", "role", "job_title", "phone",
         "supervisor", "dbs_checked_on", "training_completed_on", "agreement_signed_on",
         "home_postcode"),
        (
            (p.id, unusable, False, p.username, "Bench", p.last_name,
             f"{p.username}@bench.example", False, True, f"{vetted}T00:00:00+00:00",
             "" if p.org_id is None else p.org_id, p.role, p.profile, "0113 496 0000",
             "" if p.supervisor_id is None else p.supervisor_id, vetted, vetted, vetted,
             p.home_postcode)
            for p in people
        ),
        nullable=("organisation", "supervisor"),
    )  # fmt: skip


def _involvements(rng, world: World, orgs, today: date) -> None:
    """Every child: a school from age four, a GP; health visitors under five; social care,
    youth offending or police for a few, with a named practitioner where there is one."""
    by_la = world.la_orgs
    for profile, la, org_id, _kind, _staff in orgs:
        by_la.setdefault((profile, la), []).append(org_id)
    named: dict[int, list[Person]] = {}
    for person in world.people:
        if person.profile in NAMED_CASELOAD:
            named.setdefault(person.org_id, []).append(person)
    practitioner_ids = ids_reserve(Practitioner, sum(len(v) for v in named.values()))
    practitioner_of = world.practitioner_of
    rows = []
    staff = [p for team in named.values() for p in team]
    for pid, person in zip(practitioner_ids, staff, strict=True):
        practitioner_of[person.id] = pid
        rows.append(
            (pid, person.org_id, person.id, f"Bench {person.last_name}", person.profile, "", "")
        )
    rows_copy(
        Practitioner, ("id", "organisation", "user", "name", "job_title", "phone", "email"), rows
    )
    started = (today - timedelta(days=400)).isoformat()

    def involved(child: int, org_id: int, role: str, worker: Person | None = None):
        world.org_children.setdefault(org_id, []).append(child)
        if worker is not None:
            worker.caseload.append(child)
        pid = practitioner_of[worker.id] if worker else ""
        return (world.child_db_id[child], org_id, pid, role, started, "")

    def rows_for(child: int):
        la = world.child_la[child]
        age = (today - world.child_born[child]).days / 365.25
        if age >= 4:
            yield involved(child, rng.choice(by_la["teacher", la]), "school")
        yield involved(child, rng.choice(by_la["gp", la]), "gp")
        if age < 5:
            org = by_la["health_visitor", la][0]
            yield involved(child, org, "health_visitor", rng.choice(named[org]))
        if rng.random() < 0.10:
            org = by_la[("child_protection" if rng.random() < 0.3 else "social_worker"), la][0]
            yield involved(child, org, "social_worker", rng.choice(named[org]))
        if age >= 10 and rng.random() < 0.01:
            yield involved(child, by_la["youth_offending", la][0], "youth_offending")
        if rng.random() < 0.005:
            yield involved(child, by_la["police", la][0], "other")

    rows_copy(
        Involvement,
        ("child", "organisation", "practitioner", "role", "started_on", "ended_on"),
        (row for child in range(len(world.child_public)) for row in rows_for(child)),
        nullable=("practitioner", "ended_on"),
    )
