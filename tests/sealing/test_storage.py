"""Children's and carers' addresses and contacts are stored sealed (issue 15)."""

import pytest
from django.db import connection

from directory.models import Carer, Child
from directory.sealing.cipher import SealBroken
from tests.factories import CarerFactory, ChildFactory


def _raw(table: str, column: str, pk: int) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return bytes(cursor.fetchone()[0])


@pytest.mark.django_db
def test_it_stores_no_address_in_the_clear():
    child = ChildFactory(address_line_1="12 Refuge Lane", postcode="LS6 2AB")
    assert b"Refuge" not in _raw("directory_child", "address_line_1_sealed", child.pk)
    assert b"LS6" not in _raw("directory_child", "postcode_sealed", child.pk)
    again = Child.objects.get(pk=child.pk)
    assert (again.address_line_1, again.postcode) == ("12 Refuge Lane", "LS6 2AB")


@pytest.mark.django_db
def test_it_stores_no_carer_contact_in_the_clear():
    carer = CarerFactory(phone="07700 900555", email="mum@example.org")
    assert b"900555" not in _raw("directory_carer", "phone_sealed", carer.pk)
    assert b"mum@" not in _raw("directory_carer", "email_sealed", carer.pk)
    assert Carer.objects.get(pk=carer.pk).email == "mum@example.org"


@pytest.mark.django_db
def test_it_refuses_an_address_copied_to_another_child():
    refuge = ChildFactory(address_line_1="12 Refuge Lane")
    other = ChildFactory(address_line_1="3 Elm Road")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE directory_child SET address_line_1_sealed = "
            "(SELECT address_line_1_sealed FROM directory_child WHERE id = %s) WHERE id = %s",
            [refuge.pk, other.pk],
        )
    with pytest.raises(SealBroken):
        _ = Child.objects.get(pk=other.pk).address_line_1


@pytest.mark.django_db
def test_it_keeps_a_row_under_one_key_when_one_field_changes():
    child = ChildFactory(address_line_1="1 High Street", town="Leeds")
    child.town = "Otley"
    child.save(update_fields=["town"])
    again = Child.objects.get(pk=child.pk)
    assert (again.address_line_1, again.town, again.sealed_with) == (
        "1 High Street",
        "Otley",
        child.sealed_with,
    )


@pytest.mark.django_db
def test_it_seals_in_bulk_writes_too():
    child = ChildFactory()
    carers = Carer.objects.bulk_create(
        [Carer(child=child, given_name="A", family_name="B", relationship="Aunt", phone="0113")]
    )
    carers[0].phone = "0114"
    Carer.objects.bulk_update(carers, ["phone"])
    assert Carer.objects.get(pk=carers[0].pk).phone == "0114"
    assert b"0114" not in _raw("directory_carer", "phone_sealed", carers[0].pk)


@pytest.mark.django_db
def test_it_indexes_the_postcode_and_its_outward_part_only_as_hmacs():
    child = ChildFactory(postcode="LS6 2AB")
    neighbour = ChildFactory(postcode="LS6 9ZZ")
    assert child.postcode_index != neighbour.postcode_index
    assert child.outward_index == neighbour.outward_index
    assert not ChildFactory(postcode="").postcode_index
