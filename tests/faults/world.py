"""The fault suite's small world, built in the private database by a process of its own:

    python -m tests.faults.world [USERS]   (DATABASE_URL: the private database's owner)

alice (and alice1, alice2 … up to USERS), practitioners at school A, sign in with a password
and a TOTP secret each (printed as JSON with the child they may find); maya is at school A.
Run apart from pytest, whose Django is bound to the developer's test database; the web server
this suite starts reads these rows (and so does ``bench/soak.py``'s).
"""

import base64
import json
import secrets

import django
from django.test import override_settings

PASSWORD = "fault suite password, not for anything real"  # noqa: S105


def build(users: int = 1) -> dict:
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
    people = []
    for n in range(users):
        user = UserFactory(username="alice" if n == 0 else f"alice{n}", organisation=school_a)
        # The web server's hasher, so that gunicorn can check the password.
        with override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
        ):
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
        key = secrets.token_bytes(20)
        TOTPDevice.objects.filter(user=user).update(key=key.hex())
        people.append(
            {
                "username": user.username,
                "user_id": user.pk,
                "password": PASSWORD,
                "totp_secret": base64.b32encode(key).decode(),
            }
        )
    maya = ChildFactory(given_name="Maya", family_name="Thompson", local_authority=leeds)
    InvolvementFactory(child=maya, organisation=school_a)
    child = {
        "public_id": maya.public_id,
        "family_name": maya.family_name,
        "given_name": maya.given_name,
        "date_of_birth": maya.date_of_birth.isoformat(),
    }
    return {**people[0], "child": child, "people": people}


if __name__ == "__main__":
    import sys

    django.setup()
    print(json.dumps(build(int(sys.argv[1]) if len(sys.argv) > 1 else 1)))
