"""How long ``seed_demo`` takes for N children, in a scratch database it creates and drops.

    .venv/bin/python bench/seed_timing.py --children 100000

Uses DATABASE_OWNER_URL (or DATABASE_URL) from the environment or .data/stack.env; the role
needs CREATEDB (the embedded stack's owner role has it). Prints migrate and seed times.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def _stack_env() -> dict[str, str]:
    values = {}
    env_file = ROOT / ".data" / "stack.env"
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
    return values


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _manage(url: str, *args: str) -> float:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "contactpoint.settings.development",
    }
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    stack = _stack_env()
    owner = (
        os.environ.get("DATABASE_OWNER_URL")
        or stack.get("DATABASE_OWNER_URL")
        or os.environ.get("DATABASE_URL")
    )
    if not owner:
        sys.exit("No database: run `make services` or set DATABASE_OWNER_URL")
    import psycopg2

    name = f"cp_seed_bench_{os.getpid()}"
    admin = psycopg2.connect(owner)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        url = _with_database(owner, name)
        migrate = _manage(url, "migrate", "--noinput")
        with tempfile.TemporaryDirectory() as scratch:
            seed = _manage(
                url,
                "seed_demo",
                "--children",
                str(args.children),
                "--seed",
                str(args.seed),
                "--credentials",
                f"{scratch}/creds.json",
            )
        print(
            f"children: {args.children:,}  migrate: {migrate:.1f} s  seed_demo: {seed:.1f} s  "
            f"({args.children / seed:,.0f} children/s)"
        )
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
