"""``contactpoint.fixed_sql.instance`` makes the instance the ORM makes from the same row."""

from django.db import connection
from django.db.models.signals import post_init

from contactpoint.fixed_sql import columns, instance
from directory.models import Child


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
