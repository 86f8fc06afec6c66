"""The development stack: embedded PostgreSQL and Redis, and `make run`'s process supervisor.

    python -m contactpoint.stack up     start services (unless DATABASE_URL / REDIS_URL are set),
                                        write .data/stack.env, leave them running
    python -m contactpoint.stack down   stop the embedded services of this checkout
    python -m contactpoint.stack run    up, migrate, collectstatic, demo data, then serve web,
                                        Celery worker and beat until Ctrl-C
    python -m contactpoint.stack env    print .data/stack.env as export lines for a shell

A developer or a new user gets real PostgreSQL and Redis with no installation; a real server
always wins: a URL set in the environment is used and nothing embedded is started for it.
PORT (default 8000) is the web server's port for `run`.
"""

import argparse
import base64
import os
import secrets
import sys
from dataclasses import dataclass, field

from . import stack_postgres, stack_provision, stack_redis
from .stack_common import (
    DATA,
    StackError,
    ensure_data_dir,
    load_state,
    relative,
    save_state,
    say,
    stack_lock,
    write_atomic,
)

ENV_FILE = DATA / "stack.env"
SECRET_KEY_FILE = DATA / "secret_key"
AUDIT_SIGNING_KEY_FILE = DATA / "audit-signing-key"
FIELD_KEK_FILE = DATA / "field-kek"


@dataclass
class Started:
    """What one `up` started, so that `run` stops exactly those and leaves servers that were
    already running (say, for another terminal's `make test`) alone."""

    postgres: bool = False
    redis: bool = False
    urls: dict[str, str] = field(default_factory=dict)


def ensure_secret_key() -> None:
    """Development settings read their SECRET_KEY here: random per checkout, never committed."""
    if not SECRET_KEY_FILE.exists():
        write_atomic(SECRET_KEY_FILE, secrets.token_urlsafe(64), mode=0o600)
        say(f"created {relative(SECRET_KEY_FILE)}")


def ensure_audit_signing_key() -> None:
    """The audit sealer's development Ed25519 key (base64 of a random 32-byte seed): outside
    the database, private to this checkout, never committed. Production brings its own."""
    if not AUDIT_SIGNING_KEY_FILE.exists():
        seed = base64.b64encode(secrets.token_bytes(32)).decode()
        write_atomic(AUDIT_SIGNING_KEY_FILE, seed + "\n", mode=0o600)
        say(f"created {relative(AUDIT_SIGNING_KEY_FILE)}")


def ensure_field_kek() -> None:
    """The development key-encryption key of sealed addresses and contacts (issue 15):
    outside the database, private to this checkout, never committed. Production brings its
    own (docs/encryption.md)."""
    if not FIELD_KEK_FILE.exists():
        line = f"dev-{secrets.token_hex(4)} {base64.b64encode(secrets.token_bytes(32)).decode()}"
        write_atomic(FIELD_KEK_FILE, line + "\n", mode=0o600)
        say(f"created {relative(FIELD_KEK_FILE)}")


def write_env_file(urls: dict[str, str]) -> None:
    """Write the embedded services' URLs for settings (read with overwrite=False) and shells."""
    lines = [
        "# Written by python -m contactpoint.stack up: addresses of the embedded services",
        "# and the path of the development audit signing key.",
        "# Variables set in the real environment take precedence over these.",
        *(f"{name}={value}" for name, value in urls.items()),
    ]
    # Private: it holds the Redis password.
    write_atomic(ENV_FILE, "\n".join(lines) + "\n", mode=0o600)


def _env_file_entries() -> dict[str, str]:
    """The NAME=value lines of the current stack.env (empty when there is none)."""
    if not ENV_FILE.exists():
        return {}
    entries = {}
    for line in ENV_FILE.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            entries[name.strip()] = value.strip()
    return entries


def up() -> Started:
    """Start what the environment does not provide, then record the URLs."""
    started = Started()
    with stack_lock():
        ensure_data_dir()
        ensure_secret_key()
        ensure_audit_signing_key()
        ensure_field_kek()
        state = load_state()
        if os.environ.get("DATABASE_URL"):
            say("DATABASE_URL is set: using it, not starting embedded PostgreSQL")
        else:
            port, started.postgres = stack_postgres.ensure_running(state)
            stack_provision.provision(port)
            started.urls.update(stack_provision.urls(port))
        if os.environ.get("REDIS_URL"):
            say("REDIS_URL is set: using it, not starting embedded Redis")
        else:
            port, started.redis = stack_redis.ensure_running(state)
            started.urls.update(stack_redis.urls(port))
        save_state(state)
        # A service taken from the environment this time keeps its line from before: a
        # shell that exported stack.env (then ran `make run`) must not erase the addresses
        # every other shell and tool reads from the file.
        urls = {**_env_file_entries(), **started.urls}
        write_env_file(
            {
                **urls,
                "AUDIT_SIGNING_KEY_FILE": str(AUDIT_SIGNING_KEY_FILE),
                "FIELD_KEK_FILE": str(FIELD_KEK_FILE),
            }
        )
    say(f"wrote {relative(ENV_FILE)}")
    return started


def down(postgres: bool = True, redis: bool = True) -> None:
    """Stop the embedded services; both are attempted even when the first fails."""
    errors = []
    with stack_lock():
        for wanted, stop in ((redis, stack_redis.stop), (postgres, stack_postgres.stop)):
            if not wanted:
                continue
            try:
                stop()
            except StackError as error:
                errors.append(str(error))
    if errors:
        raise StackError("\n".join(errors))


def print_env() -> None:
    """Print stack.env's variables as `export` lines, so that
    `eval "$(python -m contactpoint.stack env)"` gives a shell the same services as Django."""
    try:
        text = ENV_FILE.read_text()
    except FileNotFoundError:
        raise StackError(
            f"{relative(ENV_FILE)} does not exist; run `python -m contactpoint.stack up`"
        ) from None
    for line in text.splitlines():
        if line and not line.startswith("#"):
            print(f"export {line}")


def run() -> int:
    """`make run`: services, schema, demo data, then supervise until Ctrl-C.

    Services this run started are stopped when it ends; ones that were already running stay.
    """
    from .stack_run import child_environment, prepare, serve

    started = up()
    try:
        environment = child_environment(started.urls)
        prepare(environment)
        return serve(environment)
    finally:
        if started.postgres or started.redis:
            down(postgres=started.postgres, redis=started.redis)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; failures print a message, not a traceback."""
    parser = argparse.ArgumentParser(
        prog="python -m contactpoint.stack",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["up", "down", "run", "env"])
    command = parser.parse_args(argv).command
    try:
        if command == "up":
            up()
        elif command == "down":
            down()
        elif command == "env":
            print_env()
        else:
            return run()
    except StackError as error:
        say(f"error: {error}")
        return 1
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
