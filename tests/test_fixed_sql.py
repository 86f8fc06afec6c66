"""``contactpoint.fixed_sql``: ``instance`` makes the instance the ORM makes from the same row;
``rows_update`` and ``rows_insert`` write what ``bulk_update`` and ``bulk_create`` write."""

from datetime import date
from functools import partial

import pytest
from django.db import connection
from django.db.models.signals import post_init

from contactpoint.fixed_sql import columns, columns_insert, instance, rows_among, rows_insert
from directory.models import Child, FeedBatch, FeedLink, Involvement, Practitioner


def _row(child):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns(Child, 'c')} FROM directory_child c WHERE c.id = %s",  # noqa: S608
            [child.pk],
        )
        return cursor.fetchone()


def _same(made, loaded):
    assert type(made) is type(loaded)
    for field in Child._meta.concrete_fields:
        assert getattr(made, field.attname) == getattr(loaded, field.attname), field.name
    assert (made._state.adding, made._state.db) == (False, "default")
    assert made.local_authority == loaded.local_authority  # relations load as usual


def test_it_makes_what_the_orm_makes(world):
    _same(instance(Child, _row(world.maya), "default"), Child.objects.get(pk=world.maya.pk))


def test_it_calls_init_when_something_listens(world):
    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(listener, sender=Child)
    try:
        made = instance(Child, _row(world.maya), "default")
    finally:
        post_init.disconnect(listener, sender=Child)
    assert seen == [made]
    _same(made, Child.objects.get(pk=world.maya.pk))


def _stored(children):
    """Every concrete column of ``children`` as the database holds them now."""
    return {c.pk: {f.attname: getattr(c, f.attname) for f in Child._meta.concrete_fields}
            for c in Child.objects.filter(pk__in=[c.pk for c in children])}  # fmt: skip


def test_rows_update_writes_what_bulk_update_writes(world):
    """Names, an array column (some rows empty), JSON, a date, a sealed property and its
    derived index columns, a NULL: written by ``rows_update`` on one set of children and
    ``bulk_update`` on the same changes made to another, then compared column by column."""
    fields = [
        "given_name",
        "former_names",
        "provenance",
        "date_of_birth",
        "postcode",
        "other_names",
    ]
    ours, theirs = Child.objects.get(pk=world.maya.pk), Child.objects.get(pk=world.kent_child.pk)
    changes = {
        "given_name": "Zoë-Ann", "former_names": ["O'Brien", 'Smith "Jr"', "{x,y}"],
        "provenance": {"given_name": 7, "postcode": None}, "postcode": "LS6 2AB",
        "other_names": "",
    }  # fmt: skip
    for child in (ours, theirs):
        for name, value in changes.items():
            setattr(child, name, value)
    ours.date_of_birth = theirs.date_of_birth = ours.date_of_birth.replace(day=1)

    Child.objects.rows_update([ours], fields)
    Child.objects.bulk_update([theirs], fields)

    mine, other = _stored([ours])[ours.pk], _stored([theirs])[theirs.pk]
    for name in ("given_name", "former_names", "provenance", "date_of_birth", "other_names",
                 "postcode_index", "outward_index"):  # fmt: skip
        assert mine[name] == other[name], name
    assert mine["former_names"] == ["O'Brien", 'Smith "Jr"', "{x,y}"]
    assert Child.objects.get(pk=ours.pk).postcode == "LS6 2AB"


def test_rows_update_writes_each_row_its_own_values_and_an_empty_array(world):
    first, second = Child.objects.get(pk=world.maya.pk), Child.objects.get(pk=world.kent_child.pk)
    first.former_names, second.former_names = [], ["Kent"]
    first.family_name, second.family_name = "Alpha", "Beta"

    Child.objects.rows_update([first, second], ["former_names", "family_name"])

    assert Child.objects.get(pk=first.pk).former_names == []
    assert Child.objects.get(pk=second.pk).former_names == ["Kent"]
    assert Child.objects.get(pk=first.pk).family_name == "Alpha"
    assert Child.objects.get(pk=second.pk).family_name == "Beta"


def _new_child(world, given: str) -> Child:
    return Child(
        given_name=given, family_name="Ó Briain", other_names="Rose",
        former_names=["O'Brien", 'Smith "Jr"', "{x,y}"], date_of_birth=date(2015, 2, 3),
        gender=Child.Gender.FEMALE, local_authority=world.maya.local_authority,
        postcode="LS6 2AB", provenance={"given_name": 7},
    )  # fmt: skip


def test_rows_insert_writes_what_bulk_create_writes(world):
    """Sealed children (ids drawn and values sealed first), an array with awkward values,
    JSON and generated columns: inserted by ``rows_insert`` and by ``bulk_create`` from the
    same details, then compared column by column; the objects end as bulk_create leaves them."""
    ours, theirs = _new_child(world, "Aoife"), _new_child(world, "Aoife")

    Child.objects.rows_insert([ours])
    Child.objects.bulk_create([theirs])

    mine, other = _stored([ours])[ours.pk], _stored([theirs])[theirs.pk]
    # Each row has its own id, public id and times; a sealed value its own nonce.
    differ = {"id", "public_id", "created_at", "updated_at"}
    for name in mine.keys() - differ:
        if not name.endswith("_sealed"):
            assert mine[name] == other[name], name
    assert mine["former_names"] == ["O'Brien", 'Smith "Jr"', "{x,y}"]
    assert (ours.family_key, ours.given_key) == (mine["family_key"], mine["given_key"])
    assert (ours._state.adding, ours._state.db) == (False, "default")
    assert Child.objects.get(pk=ours.pk).postcode == "LS6 2AB"


def test_rows_insert_gives_each_object_its_own_row_and_takes_ids_of_new_parents(world):
    child = _new_child(world, "Niamh")
    involvements = [
        Involvement(child=child, organisation=world.school_a, role=role, started_on=started)
        for role, started in (("school", date(2020, 9, 1)), ("gp", date(2016, 1, 4)),
                              ("health_visitor", date(2015, 3, 1)))
    ]  # fmt: skip
    Child.objects.rows_insert([child])

    rows_insert(Involvement, involvements)

    assert all(involvement.child_id == child.pk for involvement in involvements)
    stored = dict(Involvement.objects.filter(child=child).values_list("pk", "role"))
    assert stored == {involvement.pk: involvement.role for involvement in involvements}


def test_rows_insert_refuses_a_mix_of_new_and_numbered_objects(world):
    numbered = Practitioner(pk=10_000_001, organisation=world.school_a, name="A")
    with pytest.raises(ValueError, match="every object"):
        rows_insert(Practitioner, [numbered, Practitioner(organisation=world.school_a, name="B")])


def test_columns_insert_replaces_the_row_it_clashes_with(world):
    batch = FeedBatch.objects.create(source="school_census", sha256="0" * 64, filename="f.csv",
                                     status=FeedBatch.Status.APPLIED)  # fmt: skip
    fields = ("source", "source_record_id", "child", "method", "batch", "row_hash")
    write = partial(
        columns_insert, FeedLink, fields, conflict=("source", "source_record_id"),
        update=("child", "method", "row_hash"),
    )  # fmt: skip
    write([["school_census"] * 2, ["A", "B"], [world.maya.pk] * 2, ["matched"] * 2,
           [batch.pk] * 2, ["1" * 64, "2" * 64]])  # fmt: skip
    write([["school_census"], ["B"], [world.kent_child.pk], ["reviewed"], [batch.pk], ["3" * 64]])

    links = {link.source_record_id: link for link in FeedLink.objects.all()}
    assert links.keys() == {"A", "B"}
    assert (links["A"].child_id, links["A"].row_hash) == (world.maya.pk, "1" * 64)
    assert (links["B"].child_id, links["B"].method, links["B"].row_hash) == (
        world.kent_child.pk, "reviewed", "3" * 64,
    )  # fmt: skip


def test_rows_among_reads_what_the_orm_reads_in_key_order(world):
    wanted = [world.kent_child.pk, world.maya.pk, 987_654_321]
    made = rows_among(Child, "id", wanted)
    assert [child.pk for child in made] == sorted([world.kent_child.pk, world.maya.pk])
    for child in made:
        _same(child, Child.objects.get(pk=child.pk))
    ours = [(i.pk, i.child_id, i.role) for i in rows_among(Involvement, "child", [world.maya.pk])]
    assert ours == list(
        Involvement.objects.filter(child=world.maya)
        .order_by("pk")
        .values_list("pk", "child", "role")
    )
    assert ours
