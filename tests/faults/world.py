"""The fault suite's small world, built in the private database by a process of its own:

    python -m tests.faults.world        (DATABASE_URL: the private database's owner)

alice, a practitioner at school A, signs in with a password and a TOTP secret (printed as JSON
with the child she may find); maya is at school A. Run apart from pytest, whose Django is
bound to the developer's test database; the web server this suite starts reads these rows.
"""

import base64
import json
import secrets

import django
from django.test import override_settings

PASSWORD = "fault suite password, not for anything real"  # noqa: S105


def build() -> dict:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import (
        ChildFactory,
        InvolvementFactory,
        LocalAuthorityFactory,
        OrganisationFactory,
        UserFactory,
    )

    leeds = LocalAuthorityFactory(code="E08000035", name="Leeds")
    school_a = OrganisationFactory(name="Hillside Primary School", local_authority=leeds)
    alice = UserFactory(username="alice", organisation=school_a)
    # The web server's hasher, so that gunicorn can check the password.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"]):
        alice.set_password(PASSWORD)
        alice.save(update_fields=["password"])
    key = secrets.token_bytes(20)
    TOTPDevice.objects.filter(user=alice).update(key=key.hex())
    maya = ChildFactory(given_name="Maya", family_name="Thompson", local_authority=leeds)
    InvolvementFactory(child=maya, organisation=school_a)
    return {
        "username": alice.username,
        "user_id": alice.pk,
        "password": PASSWORD,
        "totp_secret": base64.b32encode(key).decode(),
        "child": {
            "public_id": maya.public_id,
            "family_name": maya.family_name,
            "given_name": maya.given_name,
            "date_of_birth": maya.date_of_birth.isoformat(),
        },
    }


if __name__ == "__main__":
    django.setup()
    print(json.dumps(build()))
