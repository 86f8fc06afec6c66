"""The sealed value and the blind index, without the database (issue 15)."""

import base64
import os

import pytest
from django.core.exceptions import ImproperlyConfigured

from directory.sealing import blind_index
from directory.sealing.cipher import SealBroken, bound_to, key_id_of, open_sealed, seal
from directory.sealing.provider import KeyUnavailable, LocalKeyProvider, new_key_line

KEY = os.urandom(32)
HERE = bound_to("directory_carer", "phone", 41)


def test_it_opens_what_it_sealed():
    sealed = seal("07700 900123", key_id=7, key=KEY, binding=HERE)
    assert open_sealed(sealed, key=KEY, binding=HERE) == "07700 900123"
    assert key_id_of(sealed) == 7


def test_it_hides_the_text_and_its_exact_length():
    short = seal("LS1 4AP", key_id=1, key=KEY, binding=HERE)
    longer = seal("LS11 4AP", key_id=1, key=KEY, binding=HERE)
    assert b"LS1" not in short
    assert len(short) == len(longer)


def test_it_refuses_a_value_copied_to_another_row():
    sealed = seal("07700 900123", key_id=1, key=KEY, binding=HERE)
    with pytest.raises(SealBroken):
        open_sealed(sealed, key=KEY, binding=bound_to("directory_carer", "phone", 42))


def test_it_refuses_a_value_moved_to_another_field():
    sealed = seal("07700 900123", key_id=1, key=KEY, binding=HERE)
    with pytest.raises(SealBroken):
        open_sealed(sealed, key=KEY, binding=bound_to("directory_carer", "email", 41))


def test_it_refuses_a_tampered_value():
    sealed = bytearray(seal("07700 900123", key_id=1, key=KEY, binding=HERE))
    sealed[-20] ^= 1
    with pytest.raises(SealBroken):
        open_sealed(bytes(sealed), key=KEY, binding=HERE)


def test_it_refuses_a_changed_key_id_in_the_header():
    sealed = bytearray(seal("07700 900123", key_id=1, key=KEY, binding=HERE))
    sealed[4] = 2
    with pytest.raises(SealBroken):
        open_sealed(bytes(sealed), key=KEY, binding=HERE)


def test_it_refuses_the_wrong_key():
    sealed = seal("07700 900123", key_id=1, key=KEY, binding=HERE)
    with pytest.raises(SealBroken):
        open_sealed(sealed, key=os.urandom(32), binding=HERE)


def test_it_gives_the_same_index_to_a_postcode_however_typed():
    key = os.urandom(32)
    assert blind_index.postcode_index(key, "ls1 4ap") == blind_index.postcode_index(key, "LS14AP")
    assert blind_index.outward_index(key, "LS1 4AP") == blind_index.outward_index(key, "LS1")
    assert blind_index.outward_index(key, "LS1 4AP") != blind_index.outward_index(key, "LS14")


def test_it_gives_another_index_under_another_key():
    assert blind_index.postcode_index(os.urandom(32), "LS1 4AP") != blind_index.postcode_index(
        os.urandom(32), "LS1 4AP"
    )


def test_it_unwraps_with_an_older_key_after_a_new_one_is_added():
    old = LocalKeyProvider(new_key_line("one"))
    kek_id, wrapped = old.wrap(b"k" * 32, context=b"datakey|field|1")
    both = LocalKeyProvider(old_line(old) + "\n" + new_key_line("two"))
    assert both.current_id() == "two"
    assert both.unwrap(kek_id, wrapped, context=b"datakey|field|1") == b"k" * 32


def test_it_refuses_a_wrapped_key_under_another_context():
    provider = LocalKeyProvider(new_key_line("one"))
    kek_id, wrapped = provider.wrap(b"k" * 32, context=b"datakey|field|1")
    with pytest.raises(Exception):  # noqa: B017, PT011 - InvalidTag from cryptography
        provider.unwrap(kek_id, wrapped, context=b"datakey|index|1")


def test_it_says_which_key_encryption_key_is_missing():
    provider = LocalKeyProvider(new_key_line("one"))
    kek_id, wrapped = provider.wrap(b"k" * 32, context=b"x")
    with pytest.raises(KeyUnavailable):
        LocalKeyProvider(new_key_line("two")).unwrap(kek_id, wrapped, context=b"x")


def test_it_refuses_a_malformed_key_line():
    with pytest.raises(ImproperlyConfigured):
        LocalKeyProvider("one notbase64!")
    with pytest.raises(ImproperlyConfigured):
        LocalKeyProvider("")


def old_line(provider: LocalKeyProvider) -> str:
    kek_id = provider.current_id()
    return f"{kek_id} {base64.b64encode(provider.keys[kek_id]).decode()}"
