"""Writing source records into the directory: the child's details, the carer, and each
organisation's involvement, every field marked with the batch it came from.

Rule (provenance): a detail a feed sets carries the feed's batch (``Child.provenance`` per
field; ``feed_batch`` on carers and involvements), so the record page can say where it came
from. An empty value in a feed means "not known to the sender" and never erases a detail.

Why a writer that collects and flushes: a national feed has hundreds of thousands of
records; read and written one at a time through the ORM, each costs a dozen round trips.
``RecordWriter`` loads the children it will touch (with their carers and involvements) in a
few queries, changes them in memory, and writes each table once per flush with bulk
statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.utils import timezone

from contactpoint.fixed_sql import columns_insert, rows_among, rows_insert, rows_update
from directory.models import Carer, Child, FeedBatch, FeedLink, Involvement, Practitioner
from directory.sealing.fields import SealedModel

from .reader import FeedRecord

# Child fields a feed sets from the column of the same name; the address is taken whole.
_NAMES = ("given_name", "family_name", "other_names")
_ADDRESS = ("address_line_1", "address_line_2", "town", "postcode")
_CHILD_FIELDS = (
    *_NAMES, *_ADDRESS, "former_names", "date_of_birth", "gender", "provenance", "updated_at",
)  # fmt: skip
LOAD_CHUNK = 5000


class RecordWriter:
    """Applies records of one batch to children, in memory, until ``flush``."""

    def __init__(self, batch: FeedBatch) -> None:
        self.batch = batch
        self.today = timezone.localdate(batch.imported_at)
        self.children: dict[int, Child] = {}
        self.carers: dict[int, list[Carer]] = defaultdict(list)
        self.involvements: dict[int, list[Involvement]] = defaultdict(list)
        self.practitioners: dict[tuple[int, str], Practitioner] = {}
        self.organisations_loaded: set[int] = set()
        self.created: list[Child] = []
        self.dirty: dict[str, dict[int, object]] = defaultdict(dict)
        self.links: list[tuple[FeedRecord, Child, str]] = []

    # --- loading ---------------------------------------------------------------------------

    def load(self, child_ids: Iterable[int]) -> None:
        """Read the children about to be changed, with their carers and involvements (with
        fixed SQL: ``rows_among`` says why)."""
        wanted = sorted(set(child_ids) - set(self.children))
        for start in range(0, len(wanted), LOAD_CHUNK):
            chunk = wanted[start : start + LOAD_CHUNK]
            for child in rows_among(Child, "id", chunk):
                self.children[child.pk] = child
            for carer in rows_among(Carer, "child", chunk):
                self.carers[carer.child_id].append(carer)
            for involvement in rows_among(Involvement, "child", chunk):
                self.involvements[involvement.child_id].append(involvement)

    def child(self, child_id: int) -> Child:
        if child_id not in self.children:
            self.load([child_id])
        return self.children[child_id]

    # --- applying --------------------------------------------------------------------------

    def create(self, record: FeedRecord) -> Child:
        """A new child from ``record``, living in the sending organisation's authority (the
        feed does not say which authority a postcode is in)."""
        first = record.first
        child = Child(
            date_of_birth=first.date_of_birth,
            gender=first.gender,
            local_authority_id=first.local_authority_id,
        )
        self._details(child, record)
        self.created.append(child)
        self._people(child, record)
        return child

    def update(
        self, child: Child, record: FeedRecord, *, identity: bool = True, alias: bool = False
    ) -> None:
        """Bring ``child`` up to date with ``record``.

        ``identity=False`` (a record the matcher linked, whose names or date of birth may
        hold the very slip it forgave) keeps who the child is as held: names, date of birth
        and sex change only when the source's own record says so (``identity=True``), or
        when the record gives the held family name as its former one (a real change).
        A family name that changes is kept among the former names, so a search by the old
        one still finds the child; an address is taken whole (all four fields) when any
        part of it is sent, so an old second line never survives a move. ``alias``: the
        record's family name is another name of the child's (the matcher linked it on
        everything else), kept among the former names and aliases so a search finds it.
        """
        if self._details(child, record, identity=identity, alias=alias):
            self.dirty["child"][id(child)] = child
        self._people(child, record)

    def link(self, record: FeedRecord, child: Child, method: str) -> None:
        """Remember which child the source's record is, so its next rows follow the link."""
        self.links.append((record, child, method))

    def _details(
        self, child: Child, record: FeedRecord, *, identity: bool = True, alias: bool = False
    ) -> bool:
        values = record.first.values
        changed: list[str] = []

        def put(field: str, value) -> None:
            if getattr(child, field) != value:
                setattr(child, field, value)
                changed.append(field)

        before = child.family_name
        renamed = values["former_family_name"].lower() == before.lower() != ""
        names = _NAMES if identity else (("family_name",) if renamed else ())
        for field in names:
            if values[field]:
                put(field, values[field])
        if not child.other_names and values["other_names"]:
            put("other_names", values["other_names"])
        if any(values[c] for c in _ADDRESS):
            for field in _ADDRESS:
                put(field, values[field])
        if child.pk and before != child.family_name:
            self._former_add(child, before, changed)
        self._former_add(child, values["former_family_name"], changed)
        if alias:
            self._former_add(child, values["family_name"], changed)
        if identity or child.pk is None:
            put("date_of_birth", record.first.date_of_birth)
        if record.first.gender != "not_known" and (identity or child.gender == "not_known"):
            put("gender", record.first.gender)
        if changed:
            child.provenance = {**child.provenance, **{f: self.batch.pk for f in changed}}
            child.updated_at = timezone.now()  # bulk_update does not touch auto_now fields
        return bool(changed)

    @staticmethod
    def _former_add(child: Child, name: str, changed: list[str]) -> None:
        if name and name.lower() != child.family_name.lower() and name not in child.former_names:
            child.former_names = [*child.former_names, name]
            changed.append("former_names")

    def _people(self, child: Child, record: FeedRecord) -> None:
        self._carer(child, record)
        for row in record.rows:
            self._involvement(child, row)

    def _carer(self, child: Child, record: FeedRecord) -> None:
        """The record's first carer, found among the child's carers by name, else added."""
        values = record.first.values
        name = values["carer_1_name"]
        if not name:
            return
        carers = self.carers[child.pk] if child.pk else []
        carer = next(
            (c for c in carers if f"{c.given_name} {c.family_name}".lower() == name.lower()), None
        )
        if carer is None:
            given, _, family = name.rpartition(" ")
            carer = Carer(
                child=child, given_name=given or family, family_name=family if given else ""
            )
        wanted = {
            "relationship": values["carer_1_relationship"] or carer.relationship or "Carer",
            "phone": values["carer_1_phone"] or carer.phone,
            "email": values["carer_1_email"] or carer.email,
        }
        if carer.pk and all(getattr(carer, k) == v for k, v in wanted.items()):
            return
        for key, value in wanted.items():
            setattr(carer, key, value)
        carer.feed_batch = self.batch
        self._mark("carer", carer)
        if not carer.pk and child.pk:
            self.carers[child.pk].append(carer)

    def _involvement(self, child: Child, row) -> None:
        """The sending organisation's involvement in ``row``'s role: the open one (or the
        one that started that day) is updated, else one is added from the day given (or
        the day of the batch)."""
        practitioner = self._practitioner(row)
        existing = [
            i
            for i in (self.involvements[child.pk] if child.pk else [])
            if i.organisation_id == row.organisation_id and i.role == row.role
        ]
        involvement = next(
            (
                i
                for i in sorted(existing, key=lambda i: i.started_on, reverse=True)
                if i.ended_on is None or i.started_on == row.started_on
            ),
            None,
        )
        if involvement is None:
            involvement = Involvement(
                child=child, organisation_id=row.organisation_id, role=row.role
            )
            if child.pk:
                self.involvements[child.pk].append(involvement)
        started = row.started_on or involvement.started_on or self.today
        same_practitioner = practitioner is None or (
            practitioner.pk is not None and involvement.practitioner_id == practitioner.pk
        )
        if (
            involvement.pk
            and (involvement.started_on, involvement.ended_on) == (started, row.ended_on)
            and same_practitioner
        ):
            return
        involvement.started_on, involvement.ended_on = started, row.ended_on
        if practitioner is not None:
            involvement.practitioner = practitioner
        involvement.feed_batch = self.batch
        self._mark("involvement", involvement)

    def _practitioner(self, row) -> Practitioner | None:
        """The named practitioner of the sending organisation, added the first time."""
        name = row["practitioner_name"]
        if not name:
            return None
        if row.organisation_id not in self.organisations_loaded:
            self.organisations_loaded.add(row.organisation_id)
            for known in Practitioner.objects.filter(organisation_id=row.organisation_id).order_by(
                "-pk"
            ):
                self.practitioners[(known.organisation_id, known.name)] = known
        key = (row.organisation_id, name)
        practitioner = self.practitioners.get(key)
        if practitioner is None:
            practitioner = Practitioner(
                organisation_id=row.organisation_id,
                name=name,
                job_title=Involvement.Role(row.role).label,
            )
            self.practitioners[key] = practitioner
        for field in ("phone", "email"):
            value = row[f"practitioner_{field}"]
            if value and getattr(practitioner, field) != value:
                setattr(practitioner, field, value)
                self._mark("practitioner", practitioner)
        if practitioner.pk is None:
            self._mark("practitioner", practitioner)
        return practitioner

    def _mark(self, table: str, obj) -> None:
        self.dirty[table][id(obj)] = obj

    # --- writing ---------------------------------------------------------------------------

    def flush(self) -> None:
        """Write everything changed: each table in one or two bulk statements, parents first
        so that new children and practitioners have ids before what points at them."""
        _save_all(Practitioner, self.dirty.pop("practitioner", {}).values(), ("phone", "email"))
        Child.objects.rows_insert(self.created)
        self.created = []
        _save_all(Child, self.dirty.pop("child", {}).values(), _CHILD_FIELDS)
        # Carers and involvements of new children take the children's new ids from the
        # objects they point at (rows_insert does so, as bulk_create does).
        _save_all(
            Carer,
            self.dirty.pop("carer", {}).values(),
            ("relationship", "phone", "email", "feed_batch"),
        )
        _save_all(
            Involvement,
            self.dirty.pop("involvement", {}).values(),
            ("started_on", "ended_on", "practitioner", "feed_batch"),
        )
        self._links_write()

    def _links_write(self) -> None:
        """Each record's link, new or replacing the source's earlier one: written as columns,
        without making half a million ``FeedLink`` objects first."""
        source, batch = self.batch.source, self.batch.pk
        rows = [
            (source, record.source_record_id, child.pk, method, batch, record.record_hash)
            for record, child, method in self.links
        ]
        self.links = []
        if rows:
            columns_insert(
                FeedLink,
                ("source", "source_record_id", "child", "method", "batch", "row_hash"),
                [list(column) for column in zip(*rows, strict=True)],
                conflict=("source", "source_record_id"),
                update=("child", "method", "batch", "row_hash"),
            )


def _save_all(model, objects: Iterable, fields: Iterable[str]) -> None:
    """Insert the new ones and update the changed ones, in bulk.

    Not bulk_update, whose statements took minutes of Python for a national feed, nor
    bulk_create, whose cost about a third more than ``rows_insert``'s (fixed_sql says what
    was measured). Sealed rows go through their manager, which seals them first."""
    objects = list(objects)
    new = [o for o in objects if o.pk is None]
    existing = [o for o in objects if o.pk is not None]
    sealed = issubclass(model, SealedModel)
    if new and sealed:
        model.objects.rows_insert(new)
    elif new:
        rows_insert(model, new)
    if existing:
        if sealed:
            model.objects.rows_update(existing, list(fields))
        else:
            rows_update(model, existing, list(fields))
