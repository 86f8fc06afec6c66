"""``rotate_keys``: new keys, rows sealed again, old keys dropped, the KEK replaced (issue 15)."""

import base64
import os
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from directory.models import Carer, Child, DataKey, FeedBatch, FeedReview
from directory.sealing import keyring, provider
from tests.factories import CarerFactory, ChildFactory

TEST_KEK = "test-kek-1 " + base64.b64encode(b"test-only-key-encryption-key-000").decode()


@pytest.fixture
def fresh_keys():
    """Each test's keys are its own: nothing a process remembers outlives it."""
    keyring.keys_forget()
    provider.key_provider.cache_clear()
    yield
    keyring.keys_forget()
    provider.key_provider.cache_clear()


def _rotate(*args: str) -> str:
    out = StringIO()
    call_command("rotate_keys", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_seals_every_row_again_under_a_new_key(fresh_keys):
    children = [ChildFactory(address_line_1=f"{n} Park Row", postcode="LS1 4AP") for n in (1, 2)]
    carer = CarerFactory(child=children[0], phone="07700 900777")
    old = children[0].sealed_with
    output = _rotate("--batch", "1")
    new = DataKey.objects.get(purpose="field", retired_at=None).pk
    assert new != old
    assert set(Child.objects.values_list("sealed_with", flat=True)) == {new}
    assert "directory_child: 2 rows sealed again" in output
    keyring.keys_forget()
    assert Child.objects.get(pk=children[1].pk).address_line_1 == "2 Park Row"
    assert Carer.objects.get(pk=carer.pk).phone == "07700 900777"


@pytest.mark.django_db
def test_it_keeps_search_by_postcode_working_after_rotation(fresh_keys):
    child = ChildFactory(postcode="LS6 2AB")
    before = (child.postcode_index, child.outward_index)
    _rotate()
    again = Child.objects.get(pk=child.pk)
    assert (again.postcode_index, again.outward_index) == before


@pytest.mark.django_db
def test_it_catches_a_row_written_under_the_old_key_on_the_next_run(fresh_keys):
    child = ChildFactory()
    old = child.sealed_with
    _rotate()
    Child.objects.filter(pk=child.pk).update(sealed_with=old)
    assert "directory_child: 1 rows sealed again" in _rotate("--no-new-key")


@pytest.mark.django_db
def test_it_drops_retired_keys_only_once_no_row_needs_them(fresh_keys):
    child = ChildFactory()
    review = _held_review(child)
    old = DataKey.objects.get(purpose="field").pk
    _rotate("--drop-unused")
    assert not DataKey.objects.filter(pk=old).exists()
    assert DataKey.objects.filter(purpose="index").count() == 1
    keyring.keys_forget()
    assert FeedReview.objects.get(pk=review.pk).record == {"rows": [{"postcode": "LS6 2AB"}]}


def _held_review(child) -> FeedReview:
    batch = FeedBatch.objects.create(source="school_census", sha256="x", filename="f.csv",
                                     status="applied")  # fmt: skip
    return FeedReview.objects.create(
        batch=batch, row_number=2, source_record_id="r1", row_hash="h",
        record={"rows": [{"postcode": "LS6 2AB"}]}, local_authority=child.local_authority,
        reason="uncertain", candidates=[],
    )  # fmt: skip


@pytest.mark.django_db
def test_it_moves_every_data_key_to_a_new_key_encryption_key(fresh_keys):
    child = ChildFactory(address_line_1="9 Moor Lane")
    new_line = "test-kek-2 " + base64.b64encode(os.urandom(32)).decode()
    with override_settings(FIELD_KEK=f"{TEST_KEK}\n{new_line}"):
        provider.key_provider.cache_clear()
        # The field key, the index key and the audit log's key (made by migration).
        assert "wrapped again under the current key: 3" in _rotate("--rewrap-only")
    with override_settings(FIELD_KEK=new_line):
        provider.key_provider.cache_clear()
        keyring.keys_forget()
        assert Child.objects.get(pk=child.pk).address_line_1 == "9 Moor Lane"
    assert set(DataKey.objects.values_list("kek_id", flat=True)) == {"test-kek-2"}


@pytest.mark.django_db
def test_it_cannot_open_anything_without_the_key_encryption_key(fresh_keys):
    child = ChildFactory(address_line_1="9 Moor Lane")
    other = "other-kek " + base64.b64encode(os.urandom(32)).decode()
    with override_settings(FIELD_KEK=other):
        provider.key_provider.cache_clear()
        keyring.keys_forget()
        with pytest.raises(provider.KeyUnavailable):
            _ = Child.objects.get(pk=child.pk).address_line_1
