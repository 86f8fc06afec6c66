"""A synthetic feed file of one source, and its truth: which held child each row really is.

The rows are made from the world's children, away from the importer: clerical errors come
from ``bench/quality/errors.py`` (written without the matcher's normaliser, nickname table
or search), and the other changes (moves, new surnames, twins) are made here from the world
alone. Every row passes the feed's per-row checks (a mistyped date that is no date, or in
the future, is drawn again), because one bad row rejects the whole batch.

Shares of the rows (``SHARES``), by scenario. They are a judgement, not a measurement, and
deliberately harder than a real census: in a school or GP file most rows are children
already held, typed as before (a real file might be 90 % exact); here the hard cases get
enough rows each (20-80 at 2,000 rows) for the per-kind table to say something, so the
headline F1 is lower than a real feed's would be, and the per-kind rows are what to read.

- **held, exact** 39 %: the child as held (the control; still tests that nothing breaks).
- **held, one clerical error** 22 %, split evenly over the single kinds of ``errors.py``
  (each reported on its own row) except *given replaced* and *family replaced*: a held
  child with another given name at the same address is, by the data, an unheld twin (a kind
  of its own below), and a new surname is the renaming kinds'. **Two errors** 3 %.
  Record-linkage studies of health and census data find a few per cent to a quarter of
  records with some error in a name or date of birth; this is the upper end.
- **moved** 8 %: new address, postcode and town, in the same authority (5 %) or another
  (3 %; the organisation is then one of the new authority's). About one child in ten moves
  in a year in England; a termly census sees part of that.
- **renamed** 6 %: a new family name (a step-parent's, or double-barrelled with the old
  one), with the former name given (3 %) and not given (3 %).
- **twins** 4 % and **siblings** 4 % of rows, both children of the pair in the file (so a
  link of one to the other is possible); a quarter of those rows carry a clerical error.
- **new** 10 %: 7 % children not held (births, arrivals from abroad), and two deliberately
  similar kinds: an **unheld twin** (same family name, date of birth, address and carer as
  a held child, another given name; 1 % of rows, with the held twin's own row beside it,
  another 1 %) and a child with the **same family name and date of birth elsewhere**, another
  given name (1 %).
- **shielded** 4 %: held shielded children, exact (1.5 %), with a clerical error (1 %),
  moved to another authority (1 %, a refuge), renamed and moved without the former name
  (0.5 %). These are few in life; here they are the rows the 2009 system failed on.

That is the **harsh** mix (``--mix harsh``, the default), for reading linking quality per
kind. The **realistic** mix (``REALISTIC``, ``--mix realistic``) is a recurring school
census or GP file, the one the throughput goal (500,000 rows in 15 minutes) is about;
its shares are still a judgement:

- **held, exact** 88.2 %, and with the twins', siblings' and shielded rows typed as held,
  about 91.5 % of rows agree exactly with the child held: a census is mostly last term's
  children, sent by the same school's system that sent them before.
- **one clerical error** 3 % and **two errors** 0.2 %: the lower end of the few per cent
  the studies above find, since most errors were made (and corrected, or copied) at a
  child's first registration, not at every census.
- **moved** 2 % (1.2 % in the same authority, 0.8 % to another): one child in ten moves a
  year, and a school or practice hears of a fraction of that between two returns.
- **renamed** 0.5 % (0.2 % with the former name, 0.3 % without): a step-parent's name or
  a double-barrelled one, a rare event per term.
- **twins** 1 % and **siblings** 2 % of rows as labelled kinds (the world has about 4 %
  of children in a twin pair and most children with a sibling, so many exact rows are
  siblings too; these are the pairs the report looks at), an error in 3 % of them.
- **new** 2.7 %: 2.5 % children not held (reception-year starters, new arrivals, births
  for a GP), 0.1 % unheld twins with their held twin, 0.1 % same family name and date of
  birth elsewhere.
- **shielded** 0.3 %, the world's rate: 0.25 % exact, and 0.02 % each with an error or
  moved to another authority, 0.01 % renamed and moved.

It is the first file from the source: the world holds no ``FeedLink``, so every row goes
through the exact-agreement query or the matcher, where a real recurring file would follow
last term's links for most rows. That is the slower case, so a throughput measured on it
is an upper bound for a recurring file.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from quality.errors import SINGLE_KINDS, Person, Query, ascii_fold, two_errors

from .world import Held, World

# CONTRACT.md: the feed's header row, in this order.
COLUMNS = (
    "source_record_id", "family_name", "given_name", "other_names", "former_family_name",
    "date_of_birth", "sex", "address_line_1", "address_line_2", "town", "postcode",
    "carer_1_name", "carer_1_relationship", "carer_1_phone", "carer_1_email",
    "organisation_code", "service_role", "practitioner_name", "practitioner_phone",
    "practitioner_email", "started_on", "ended_on",
)  # fmt: skip
TRUTH_COLUMNS = ("source_record_id", "truth_public_id", "kind", "truth_shielded")

EXACT, TWO_ERRORS = "held: exact", "held: two errors"
MOVED_HERE, MOVED_AWAY = "moved, same authority", "moved, another authority"
RENAMED_FORMER, RENAMED_SILENT = "renamed, former name given", "renamed, former name not given"
TWINS, SIBLINGS = "twins, both in the feed", "siblings, both in the feed"
NEW, NEW_TWIN, HELD_TWIN = "new", "new: unheld twin", "held twin of an unheld twin"
NEW_ALIKE = "new: same family name and dob elsewhere"
SHIELDED_EXACT, SHIELDED_ERROR = "shielded: exact", "shielded: clerical error"
SHIELDED_MOVED, SHIELDED_HIDDEN = "shielded: moved away", "shielded: renamed and moved"
ERROR_PREFIX = "error: "
# Replaced names are another kind of row here (see the module's docstring).
ERROR_KINDS = tuple(k for k in SINGLE_KINDS if "replaced" not in k.name)
SHARES = {
    EXACT: 0.39,
    ERROR_PREFIX: 0.22,
    TWO_ERRORS: 0.03,
    MOVED_HERE: 0.05,
    MOVED_AWAY: 0.03,
    RENAMED_FORMER: 0.03,
    RENAMED_SILENT: 0.03,
    TWINS: 0.04,
    SIBLINGS: 0.04,
    NEW: 0.07,
    NEW_TWIN: 0.02,  # rows of pairs: half the unheld twins, half their held twins
    NEW_ALIKE: 0.01,
    SHIELDED_EXACT: 0.015,
    SHIELDED_ERROR: 0.01,
    SHIELDED_MOVED: 0.01,
    SHIELDED_HIDDEN: 0.005,
}
REALISTIC = {
    EXACT: 0.882,
    ERROR_PREFIX: 0.03,
    TWO_ERRORS: 0.002,
    MOVED_HERE: 0.012,
    MOVED_AWAY: 0.008,
    RENAMED_FORMER: 0.002,
    RENAMED_SILENT: 0.003,
    TWINS: 0.01,
    SIBLINGS: 0.02,
    NEW: 0.025,
    NEW_TWIN: 0.002,
    NEW_ALIKE: 0.001,
    SHIELDED_EXACT: 0.0025,
    SHIELDED_ERROR: 0.0002,
    SHIELDED_MOVED: 0.0002,
    SHIELDED_HIDDEN: 0.0001,
}
# Each mix: its shares, and the share of twins' and siblings' rows with a clerical error.
MIXES = {"harsh": (SHARES, 0.25), "realistic": (REALISTIC, 0.03)}
DOUBLE_BARRELLED_SHARE = 0.25
OLDEST_YEARS = 25
# Organisation kinds, each with its share and service role, per source (the schema's).
SENDERS = {
    "school_census": (("school", 1.0, ""),),
    "gp_registrations": (("gp_practice", 0.9, ""), ("health_service", 0.1, "health_visitor")),
    "la_social_care": (
        ("la_childrens_services", 0.85, ""),
        ("youth_offending", 0.15, "youth_offending"),
    ),
}
ID_SHAPES = {"school_census": ("A", 12), "gp_registrations": ("", 10), "la_social_care": ("LCS", 8)}


@dataclass
class Row:
    values: dict[str, str]
    truth: str  # the held child's public_id, or "" for a child the directory does not hold
    kind: str
    truth_shielded: bool


class FeedMaker:
    """Draws the rows of one feed; each held child appears at most once."""

    def __init__(self, world: World, *, source: str, seed: int, today: date, pair_errors: float):
        self.world, self.source, self.today = world, source, today
        self.pair_errors = pair_errors
        self.rng = random.Random(f"feed:{source}:{seed}")
        self.used: set[int] = set()
        youngest = 4 if source == "school_census" else 0
        self.eligible = [c for c in world.children if self._age_ok(c.dob, youngest)]
        self.plain = [c for c in self.eligible if not c.shielded]
        self.shielded = [c for c in self.eligible if c.shielded]
        self.by_authority: dict[str, list[Held]] = defaultdict(list)
        for child in world.children:
            self.by_authority[child.authority].append(child)
        self.authorities = sorted(self.by_authority)
        self.homes = world.households()
        self.twins, self.siblings = self._pairs()
        self.given_by_sex: dict[str, list[str]] = defaultdict(list)
        for child in world.children:
            self.given_by_sex[child.gender].append(child.given)

    def _age_ok(self, dob: date, youngest: int) -> bool:
        age = (self.today - dob).days / 365.25
        return youngest <= age < 18

    def _pairs(self) -> tuple[list[tuple[Held, Held]], list[tuple[Held, Held]]]:
        homes: dict[tuple, list[Held]] = defaultdict(list)
        for child in self.plain:
            homes[child.household].append(child)
        twins, siblings = [], []
        for home in homes.values():
            if len(home) < 2:
                continue
            pair = (home[0], home[1])
            (twins if pair[0].dob == pair[1].dob else siblings).append(pair)
        return twins, siblings

    # Drawing children --------------------------------------------------------------------

    def _take(self, pool: list[Held], test=lambda child: True) -> Held:
        for _ in range(10_000):
            child = self.rng.choice(pool)
            if child.id not in self.used and test(child):
                self.used.add(child.id)
                return child
        raise SystemExit("the world has too few children for this feed: build a bigger one")

    def _take_pair(self, pairs: list[tuple[Held, Held]]) -> tuple[Held, Held]:
        for _ in range(10_000):
            a, b = self.rng.choice(pairs)
            if a.id not in self.used and b.id not in self.used:
                self.used.update((a.id, b.id))
                return a, b
        raise SystemExit("the world has too few twins or siblings for this feed")

    # Row values --------------------------------------------------------------------------

    def _sex(self, gender: str) -> str:
        if gender in ("female", "male"):
            return gender[0].upper() if self.rng.random() < 0.1 else gender
        return "other" if gender == "other" else ""

    def _organisation(self, authority: str) -> tuple[str, str]:
        senders = SENDERS[self.source]
        kind, _, role = self.rng.choices(senders, weights=[s[1] for s in senders])[0]
        codes = self.world.organisations.get((authority, kind))
        if not codes:
            kind, _, role = senders[0]
            codes = self.world.organisations[(authority, kind)]
        return self.rng.choice(codes), role

    def _values(self, child: Held, **changes) -> dict[str, str]:
        """The child as held, with ``changes`` (family, given, dob, address, ...) applied."""
        dob = changes.get("dob", child.dob)
        authority = changes.get("authority", child.authority)
        code, role = self._organisation(authority)
        since = max(dob, self.today - timedelta(days=self.rng.randrange(1, 1500)))
        values = {
            "family_name": changes.get("family", child.family),
            "given_name": changes.get("given", child.given),
            "other_names": changes.get("other_names", child.other_names),
            "former_family_name": changes.get("former", ""),
            "date_of_birth": dob.isoformat(),
            "sex": self._sex(changes.get("gender", child.gender)),
            "address_line_1": changes.get("address_line_1", child.address_line_1),
            "address_line_2": child.address_line_2,
            "town": changes.get("town", child.town),
            "postcode": changes.get("postcode", child.postcode),
            "carer_1_name": changes.get("carer_name", child.carer_name),
            "carer_1_relationship": changes.get("carer_relationship", child.carer_relationship),
            "carer_1_phone": changes.get("carer_phone", child.carer_phone),
            # The world writes accents and spaces into some addresses (from names like
            # Anna Maria), which no mail system (nor the feed's check) takes.
            "carer_1_email": ascii_fold(changes.get("carer_email", child.carer_email)).replace(
                " ", ""
            ),
            "organisation_code": code,
            "service_role": role,
            "practitioner_name": "",
            "practitioner_phone": "",
            "practitioner_email": "",
            "started_on": since.isoformat(),
            "ended_on": "",
        }
        return values

    def _held(self, child: Held, kind: str, **changes) -> Row:
        return Row(self._values(child, **changes), child.public_id, kind, child.shielded)

    def _address_in(self, authority: str, child: Held) -> dict[str, str]:
        """Another home in ``authority``: a street and postcode the world has there, a new
        house number, the authority's town."""
        for _ in range(1000):
            street = self.rng.choice(self.by_authority[authority])
            postcode = self.rng.choice(self.by_authority[authority]).postcode
            if postcode != child.postcode:
                break
        road = street.address_line_1.split(" ", 1)[1]
        return {
            "address_line_1": f"{self.rng.randint(1, 200)} {road}",
            "postcode": postcode,
            "town": street.town,
            "authority": authority,
        }

    def _other_authority(self, child: Held) -> str:
        return self.rng.choice([a for a in self.authorities if a != child.authority])

    def _new_family(self, child: Held) -> str:
        other = self.rng.choice(self.world.children).family
        while other == child.family:
            other = self.rng.choice(self.world.children).family
        if self.rng.random() < DOUBLE_BARRELLED_SHARE:
            return f"{child.family}-{other}"
        return other

    def _error(self, child: Held, kinds) -> dict | None:
        """One draw of an error kind on ``child``: the changed names and date, or None when
        the kind cannot apply or typed a date the feed's checks would refuse."""
        kind = kinds if callable(kinds) else kinds.make
        person = Person(child.family, child.given, child.dob, child.gender)
        typed = kind(Query.of(person), person, self.rng)
        if typed is None or not typed.family.strip() or not typed.given.strip():
            return None
        try:
            dob = date(*typed.dob)
        except ValueError:
            return None
        if dob > self.today or (self.today - dob).days > OLDEST_YEARS * 365:
            return None
        return {"family": typed.family, "given": typed.given, "dob": dob}

    def _with_error(self, pool: list[Held], kind, label: str) -> Row:
        for _ in range(10_000):
            child = self._take(pool, getattr(kind, "eligible", lambda c: True))
            changes = self._error(child, kind)
            if changes:
                return self._held(child, label, **changes)
            self.used.discard(child.id)
        raise SystemExit(f"no child of this world takes the error {label!r}")

    def _maybe_error(self, child: Held, kind: str) -> Row:
        if self.rng.random() < self.pair_errors:
            for _ in range(50):
                changes = self._error(child, self.rng.choice(ERROR_KINDS))
                if changes:
                    return self._held(child, kind, **changes)
        return self._held(child, kind)

    def _stranger(self) -> dict:
        """Details of a child the directory does not hold."""
        rng = self.rng
        authority = rng.choice(self.authorities)
        template = rng.choice(self.by_authority[authority])
        gender = rng.choice(("female", "male"))
        days = rng.randrange(4 * 365 if self.source == "school_census" else 0, 18 * 365 - 10)
        family = rng.choice(self.world.children).family
        carer = rng.choice(self.world.children).carer_name.split(" ")[0] or "Sam"
        number = rng.randrange(1000)
        return {
            "family": family,
            "given": rng.choice(self.given_by_sex[gender]),
            "gender": gender,
            "dob": self.today - timedelta(days=days),
            "other_names": rng.choice(self.given_by_sex[gender]) if rng.random() < 0.3 else "",
            "carer_name": f"{carer} {family}",
            "carer_relationship": "Mother",
            "carer_phone": f"07700 901{number:03d}",
            "carer_email": f"{carer.lower()}.n{number}@example.org",
            **self._address_in(authority, template),
        }

    def _other_given(self, child: Held, avoid: set[str]) -> tuple[str, str]:
        gender = child.gender if child.gender in ("female", "male") else "female"
        for _ in range(1000):
            given = self.rng.choice(self.given_by_sex[gender])
            if given.lower() not in avoid:
                return given, gender
        raise SystemExit("no other given name to draw")

    # Scenarios: each returns the rows of one draw ----------------------------------------

    def scenario(self, name: str) -> list[Row]:
        rng = self.rng
        if name == EXACT:
            return [self._held(self._take(self.plain), EXACT)]
        if name.startswith(ERROR_PREFIX):
            kind = next(k for k in ERROR_KINDS if ERROR_PREFIX + k.name == name)
            return [self._with_error(self.plain, kind, name)]
        if name == TWO_ERRORS:
            return [self._with_error(self.plain, two_errors, name)]
        if name == MOVED_HERE:
            child = self._take(self.plain)
            return [self._held(child, name, **self._address_in(child.authority, child))]
        if name == MOVED_AWAY:
            child = self._take(self.plain)
            return [
                self._held(child, name, **self._address_in(self._other_authority(child), child))
            ]
        if name in (RENAMED_FORMER, RENAMED_SILENT):
            child = self._take(self.plain)
            former = child.family if name == RENAMED_FORMER else ""
            return [self._held(child, name, family=self._new_family(child), former=former)]
        if name in (TWINS, SIBLINGS):
            pair = self._take_pair(self.twins if name == TWINS else self.siblings)
            return [self._maybe_error(child, name) for child in pair]
        if name == NEW:
            template = rng.choice(self.world.children)
            return [Row(self._values(template, **self._stranger()), "", NEW, False)]
        if name == NEW_TWIN:
            held = self._take(self.plain)
            avoid = {c.given.lower() for c in self.homes[held.household]}
            given, gender = self._other_given(held, avoid)
            twin = Row(self._values(held, given=given, gender=gender), "", NEW_TWIN, False)
            return [self._held(held, HELD_TWIN), twin]
        if name == NEW_ALIKE:
            held = self._take(self.plain)
            given, gender = self._other_given(held, {held.given.lower()})
            stranger = {**self._stranger(), "given": given, "gender": gender}
            stranger.update(family=held.family, dob=held.dob)
            return [Row(self._values(held, **stranger), "", NEW_ALIKE, False)]
        if name == SHIELDED_EXACT:
            return [self._held(self._take(self.shielded), name)]
        if name == SHIELDED_ERROR:
            kind = rng.choice(ERROR_KINDS)
            return [self._with_error(self.shielded, kind, name)]
        child = self._take(self.shielded)
        moved = self._address_in(self._other_authority(child), child)
        if name == SHIELDED_MOVED:
            return [self._held(child, name, **moved)]
        return [self._held(child, name, family=self._new_family(child), **moved)]


def plan(rows: int, shares: dict[str, float]) -> list[str]:
    """The scenario of each draw, in order, so that the rows come to about ``rows``."""
    draws: list[str] = []
    for name, share in shares.items():
        count = round(rows * share)
        if name == ERROR_PREFIX:
            each = max(1, round(count / len(ERROR_KINDS)))
            draws += [ERROR_PREFIX + k.name for k in ERROR_KINDS for _ in range(each)]
        elif name in (TWINS, SIBLINGS, NEW_TWIN):
            draws += [name] * max(1, count // 2)
        else:
            draws += [name] * max(1, count)
    return draws


def shielded_needed(rows: int, mix: str = "harsh") -> int:
    """Shielded children the feed draws, with room to spare for eligibility."""
    share = sum(v for k, v in MIXES[mix][0].items() if k.startswith("shielded"))
    return round(rows * share * 3) + 50


def feed_make(
    world: World, *, source: str, rows: int, seed: int, today: date, mix: str = "harsh"
) -> list[Row]:
    shares, pair_errors = MIXES[mix]
    maker = FeedMaker(world, source=source, seed=seed, today=today, pair_errors=pair_errors)
    made = [row for name in plan(rows, shares) for row in maker.scenario(name)]
    maker.rng.shuffle(made)
    prefix, digits = ID_SHAPES[source]
    ids = maker.rng.sample(range(10 ** (digits - 1), 10**digits), len(made))
    for row, number in zip(made, ids, strict=True):
        row.values["source_record_id"] = f"{prefix}{number}"
    return made


def feed_write(made: list[Row], feed: Path, truth: Path) -> None:
    with feed.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(row.values for row in made)
    with truth.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(TRUTH_COLUMNS)
        for row in made:
            writer.writerow(
                [row.values["source_record_id"], row.truth, row.kind, int(row.truth_shielded)]
            )
