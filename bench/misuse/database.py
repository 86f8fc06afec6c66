"""The benchmark's scratch database: created with the owner role, migrated with the app's own
migrations, and named, so a run can be inspected afterwards (``psql .../<name>``).

Django is set up only after ``DATABASE_URL`` points at it, so nothing here can reach the
shared development database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent.parent
SETTINGS = "contactpoint.settings.development"


def stack_env() -> dict[str, str]:
    """The embedded stack's addresses (``.data/stack.env``); the environment wins."""
    values = {}
    env_file = ROOT / ".data" / "stack.env"
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
    return {**values, **{k: v for k, v in os.environ.items() if k in values}}


def database_fresh(name: str) -> str:
    """Drop and recreate ``name`` with the owner role, migrate it; return its URL."""
    if name in {"contactpoint", "postgres", "template0", "template1"}:
        sys.exit(f"refusing to recreate the shared database {name!r}")
    owner = stack_env().get("DATABASE_OWNER_URL")
    if not owner:
        sys.exit("No DATABASE_OWNER_URL: run `make services` first")
    import psycopg2

    admin = psycopg2.connect(owner)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    url = urlunsplit(urlsplit(owner)._replace(path=f"/{name}"))
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return url


def database_url(name: str) -> str:
    owner = stack_env()["DATABASE_OWNER_URL"]
    return urlunsplit(urlsplit(owner)._replace(path=f"/{name}"))


def django_start(url: str) -> None:
    """Point Django at the scratch database (and only there) and set it up."""
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ.pop("DATABASE_REPLICA_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
