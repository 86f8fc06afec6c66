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
