"""Writing one source record into the directory: the child's details, the carer, and each
organisation's involvement, every field marked with the batch it came from.

Rule (provenance): a detail a feed sets carries the feed's batch (``Child.provenance`` per
field; ``feed_batch`` on carers and involvements), so the record page can say where it came
from. An empty value in a feed means "not known to the sender" and never erases a detail.
"""

from __future__ import annotations

from django.utils import timezone

from directory.models import Carer, Child, FeedBatch, Involvement, Practitioner

from .reader import FeedRecord

# Child fields a feed sets, by column.
_CHILD_COLUMNS = {
    "given_name": "given_name",
    "family_name": "family_name",
    "other_names": "other_names",
    "address_line_1": "address_line_1",
    "address_line_2": "address_line_2",
    "town": "town",
    "postcode": "postcode",
}
_ADDRESS = ("address_line_1", "address_line_2", "town", "postcode")


def child_create(*, record: FeedRecord, batch: FeedBatch) -> Child:
    """A new child from ``record``, living in the sending organisation's authority (the
    feed does not say which authority a postcode is in)."""
    first = record.first
    child = Child(
        date_of_birth=first.date_of_birth,
        gender=first.gender,
        local_authority_id=first.local_authority_id,
    )
    child_update(child=child, record=record, batch=batch)
    return child


def child_update(*, child: Child, record: FeedRecord, batch: FeedBatch) -> bool:
    """Bring ``child`` up to date with ``record``; True when anything changed.

    A family name that changes is kept among the former names, so a search by the old one
    still finds the child; an address is taken whole (all four fields) when any part of it
    is sent, so an old second line never survives a move.
    """
    first = record.first
    values = first.values
    changed: list[str] = []

    def put(field: str, value) -> None:
        if getattr(child, field) != value:
            setattr(child, field, value)
            changed.append(field)

    for column, field in _CHILD_COLUMNS.items():
        if values[column] and (column not in _ADDRESS):
            put(field, values[column])
    if any(values[c] for c in _ADDRESS):
        for column in _ADDRESS:
            put(_CHILD_COLUMNS[column], values[column])
    if child.pk and "family_name" in changed:
        _former_add(child, child_family_before(child), changed)
    if values["former_family_name"]:
        _former_add(child, values["former_family_name"], changed)
    if child.date_of_birth != first.date_of_birth:
        put("date_of_birth", first.date_of_birth)
    if first.gender != "not_known":
        put("gender", first.gender)
    if not changed and child.pk:
        return _people_apply(child=child, record=record, batch=batch)
    child.provenance = {**child.provenance, **{field: batch.pk for field in changed}}
    child.save()
    _people_apply(child=child, record=record, batch=batch)
    return True


def child_family_before(child: Child) -> str:
    """The family name stored before this update (read back, not from the changed object)."""
    return Child.objects.values_list("family_name", flat=True).get(pk=child.pk)


def _former_add(child: Child, name: str, changed: list[str]) -> None:
    if name and name.lower() != child.family_name.lower() and name not in child.former_names:
        child.former_names = [*child.former_names, name]
        changed.append("former_names")


def _people_apply(*, child: Child, record: FeedRecord, batch: FeedBatch) -> bool:
    changed = _carer_apply(child=child, record=record, batch=batch)
    for row in record.rows:
        changed |= _involvement_apply(child=child, row=row, batch=batch)
    return changed


def _carer_apply(*, child: Child, record: FeedRecord, batch: FeedBatch) -> bool:
    """The record's first carer, found among the child's carers by name, else added."""
    values = record.first.values
    name = values["carer_1_name"]
    if not name:
        return False
    given, _, family = name.rpartition(" ")
    carer = next(
        (
            c
            for c in child.carers.all()
            if f"{c.given_name} {c.family_name}".lower() == name.lower()
        ),
        None,
    ) or Carer(child=child, given_name=given or family, family_name=family if given else "")
    wanted = {
        "relationship": values["carer_1_relationship"] or carer.relationship or "Carer",
        "phone": values["carer_1_phone"] or carer.phone,
        "email": values["carer_1_email"] or carer.email,
    }
    if carer.pk and all(getattr(carer, k) == v for k, v in wanted.items()):
        return False
    for key, value in wanted.items():
        setattr(carer, key, value)
    carer.feed_batch = batch
    carer.save()
    return True


def _involvement_apply(*, child: Child, row, batch: FeedBatch) -> bool:
    """The sending organisation's involvement in ``row``'s role: the open one (or the one
    that started that day) is updated, else one is added from the day given (or today)."""
    practitioner = _practitioner(row)
    existing = Involvement.objects.filter(
        child=child, organisation_id=row.organisation_id, role=row.role
    ).order_by("-started_on")
    involvement = next(
        (i for i in existing if i.ended_on is None or i.started_on == row.started_on), None
    ) or Involvement(child=child, organisation_id=row.organisation_id, role=row.role)
    wanted = {
        "started_on": row.started_on
        or involvement.started_on
        or timezone.localdate(batch.imported_at),
        "ended_on": row.ended_on,
        "practitioner": practitioner or involvement.practitioner,
    }
    if involvement.pk and all(getattr(involvement, k) == v for k, v in wanted.items()):
        return False
    for key, value in wanted.items():
        setattr(involvement, key, value)
    involvement.feed_batch = batch
    involvement.save()
    return True


def _practitioner(row) -> Practitioner | None:
    """The named practitioner of the sending organisation, added the first time they appear."""
    name = row["practitioner_name"]
    if not name:
        return None
    practitioner = (
        Practitioner.objects.filter(organisation_id=row.organisation_id, name=name)
        .order_by("pk")
        .first()
    ) or Practitioner.objects.create(
        organisation_id=row.organisation_id, name=name, job_title=Involvement.Role(row.role).label
    )
    updates = {
        k: row[f"practitioner_{k}"]
        for k in ("phone", "email")
        if row[f"practitioner_{k}"] and getattr(practitioner, k) != row[f"practitioner_{k}"]
    }
    if updates:
        Practitioner.objects.filter(pk=practitioner.pk).update(**updates)
    return practitioner
