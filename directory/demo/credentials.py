"""Demo users' passwords and second factors, and the file that hands them over.

These are never derived from the seed: the seed is printed in documentation and command
lines, and anyone who knew it could otherwise log in to any demo. Passwords are four words
from the OS's CSPRNG (easy to type in a demo, long enough for the validators, and never
the only factor: login also needs the TOTP code and locks after a few failures); each TOTP
secret is 20 random bytes, stored on the user's device as hex and given to the person as
base32, the form authenticator apps accept.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import tempfile
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from faker.providers.lorem.en_US import Provider as LoremProvider

from access.models import User

from .blueprint import World

_WORDS = tuple(
    sorted(
        {
            word
            for word in LoremProvider.word_list
            if word.isalpha() and word.islower() and 4 <= len(word) <= 8
        }
    )
)
_MIN_LENGTH = 20


@dataclass(frozen=True)
class Secret:
    password: str
    totp_key: bytes
    password_hash: Future

    @property
    def totp_hex(self) -> str:
        return self.totp_key.hex()

    @property
    def totp_base32(self) -> str:
        return base64.b32encode(self.totp_key).decode("ascii")


def secrets_issue(*, usernames: tuple[str, ...], executor: Executor) -> dict[str, Secret]:
    """A fresh password and TOTP key per user; hashing starts at once on ``executor``, since
    a million PBKDF2 rounds per user is the slowest part of loading a small demo."""
    issued = {}
    for username in usernames:
        password = new_password(username)
        issued[username] = Secret(
            password=password,
            totp_key=secrets.token_bytes(20),
            password_hash=executor.submit(make_password, password),
        )
    return issued


def new_password(username: str) -> str:
    """Four random words joined by hyphens, redrawn until Django's validators accept it."""
    while True:
        password = "-".join(secrets.choice(_WORDS) for _ in range(4))
        if len(password) < _MIN_LENGTH:
            continue
        try:
            validate_password(password, User(username=username))
        except ValidationError:
            continue
        return password


def credentials_entries(*, world: World, issued: dict[str, Secret]) -> list[dict]:
    """One entry per demo user: the fields the outside contract names, then extras for
    people and scripts trying the demo (what the persona shows, names that find children)."""
    organisations = {row.code: row for row in world.organisations}
    authorities = {row.code: row.name for row in world.authorities}
    entries = []
    for persona in world.personas:
        organisation = organisations.get(persona.organisation)
        entries.append(
            {
                "username": persona.username,
                "password": issued[persona.username].password,
                "totp_secret": issued[persona.username].totp_base32,
                "role": persona.role,
                "organisation": organisation.name if organisation else None,
                "job_title": persona.job_title,
                "local_authority": authorities[organisation.local_authority]
                if organisation
                else None,
                "description": persona.description,
                "example_family_names": list(persona.example_surnames),
            }
        )
    return entries


def credentials_file_write(path: Path, entries: list[dict]) -> None:
    """Write ``entries`` as JSON readable by the owner alone (mode 0600), replacing any old
    file atomically so a half-written file never exists and old permissions never linger."""
    path = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(entries, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
