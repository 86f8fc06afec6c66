"""The feed benchmark's databases: a base world built once, and a fresh copy of it per run.

An import changes the directory (children created, linked, involvements added), so a run
never imports into the base: it copies it with ``CREATE DATABASE ... TEMPLATE`` (seconds at
200,000 children, minutes at 12 million), migrates the copy (the importer may have brought
a migration the base predates) and imports there. Both keep the names they are given, so a
run can be inspected afterwards with psql. Only names starting ``contactpoint_benchfeed``
are accepted: the benchmark drops and recreates its copy, and must never reach a shared or
test database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# One reader of .data/stack.env for the benchmarks.
from misuse.database import stack_env

ROOT = Path(__file__).resolve().parent.parent.parent
PREFIX = "contactpoint_benchfeed"
SETTINGS = "contactpoint.settings.development"


def owner_url(database: str = "postgres") -> str:
    owner = stack_env().get("DATABASE_OWNER_URL")
    if not owner:
        sys.exit("No DATABASE_OWNER_URL: run `make services` first")
    return urlunsplit(urlsplit(owner)._replace(path=f"/{database}"))


def _checked(name: str) -> str:
    if not name.startswith(PREFIX):
        sys.exit(f"refusing {name!r}: the feed benchmark only uses databases named {PREFIX}*")
    return name


def _admin():
    import psycopg2

    admin = psycopg2.connect(owner_url())
    admin.autocommit = True
    return admin


def database_exists(name: str) -> bool:
    admin = _admin()
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        found = cursor.fetchone() is not None
    admin.close()
    return found


def base_build(name: str, *, children: int, seed: int) -> None:
    """Build the world with ``bench/world_build.py`` (its own process: it sets up Django
    on the database it creates), then measure the matcher's weights on it, as beat does
    nightly on a real directory, so the importer links with weights fitted to this world."""
    _checked(name)
    env = {**os.environ, **stack_env()}
    subprocess.run(
        [
            sys.executable,
            "bench/world_build.py",
            "--children",
            str(children),
            "--database",
            name,
            "--seed",
            str(seed),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    manage(name, "estimate_match_weights")


def copy_fresh(base: str, copy: str) -> str:
    """Drop ``copy`` and recreate it from ``base``; return its URL."""
    _checked(base)
    _checked(copy)
    admin = _admin()
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        # FILE_COPY copies the files after a checkpoint; the default (WAL_LOG) writes a
        # 12-million-child world through the WAL, several times slower.
        cursor.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{base}" STRATEGY FILE_COPY')
    admin.close()
    manage(copy, "migrate", "--noinput")
    return owner_url(copy)


def command_env(name: str) -> dict[str, str]:
    """The environment of a ``manage.py`` command against ``name``: the stack's Redis and
    signing key, the owner role's URL as both roles (a benchmark may write as the owner)."""
    url = owner_url(_checked(name))
    env = {**os.environ, **stack_env(), "DATABASE_URL": url, "DATABASE_OWNER_URL": url}
    env["DJANGO_SETTINGS_MODULE"] = SETTINGS
    env.pop("DATABASE_REPLICA_URL", None)
    return env


def django_on(name: str) -> None:
    """Set up Django in this process on database ``name``: reading the world opens sealed
    addresses and contacts, which needs the application's data keys (``directory.sealing``)."""
    os.environ.update(command_env(name))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def manage(name: str, *args: str) -> None:
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", *args],
        cwd=ROOT,
        env=command_env(name),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def connect(name: str):
    import psycopg2

    connection = psycopg2.connect(owner_url(_checked(name)))
    connection.autocommit = True
    return connection
