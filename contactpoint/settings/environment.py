"""Where settings come from: the environment, read strictly.

Configuration fails loudly on a bad value: a directory of children must not start
half-configured. Every number is read through ``env_number``, which stops the start with the
setting's name and its allowed range. When DATABASE_URL / REDIS_URL are unset, the embedded
services started by ``python -m contactpoint.stack`` are used; their addresses are kept in
``.data/stack.env``.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = BASE_DIR / ".data"
STACK_ENV_FILE = DATA_DIR / "stack.env"

env = environ.Env()
if STACK_ENV_FILE.exists():
    # Only fills variables that the real environment left unset.
    environ.Env.read_env(str(STACK_ENV_FILE), overwrite=False)


def env_number(
    name: str,
    *,
    default: int | float,
    least: float | None = None,
    above: float | None = None,
    most: float | None = None,
) -> int | float:
    """The number in the environment variable ``name`` (a whole number when ``default`` is
    one), or ``default``; outside ``least`` ≤ value ≤ ``most`` (or not ``above``) the start
    stops, naming the variable, rather than run with a limit that means nothing (a zero
    window, a negative wait)."""
    value = (env.int if isinstance(default, int) else env.float)(name, default=default)
    if least is not None and value < least:
        raise ImproperlyConfigured(
            f"{name} must not be negative." if least == 0 else f"{name} must be at least {least}."
        )
    if above is not None and value <= above:
        raise ImproperlyConfigured(f"{name} must be above {above}.")
    if most is not None and value > most:
        raise ImproperlyConfigured(f"{name} must be at most {most}.")
    return value


def required_url(name: str) -> str:
    """Return the URL in ``name`` or stop with a message saying how to get one."""
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set and no embedded service is running. "
            "Run `make run` (or `.venv/bin/python -m contactpoint.stack up`) or set "
            f"{name} to a real server."
        )
    return value
