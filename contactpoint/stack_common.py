"""Shared pieces of the development stack (`python -m contactpoint.stack`).

The stack must start before Django can be imported (settings need the database URL), so this
module and its siblings use the standard library only and never import Django.
"""

import fcntl
import json
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"
STATE_FILE = DATA / "stack.json"
LOCK_FILE = DATA / "stack.lock"


class StackError(Exception):
    """A service could not be started or stopped; the message tells the developer what to do.

    Caught once in `main`, so a failure prints a few plain lines instead of a traceback.
    """


def say(message: str) -> None:
    """Print one progress line; flushed so it interleaves correctly with child output."""
    print(f"stack: {message}", file=sys.stderr, flush=True)


def relative(path: Path) -> str:
    """Show paths relative to the checkout: shorter lines, and the same on every machine."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def tail(path: Path, lines: int = 20) -> str:
    """The end of a log file, for error messages that must show why a server did not start."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {relative(path)})"
    return "\n".join(text.splitlines()[-lines:])


def ensure_data_dir() -> Path:
    """Create `.data/`: all state of the embedded services lives there and is git-ignored."""
    DATA.mkdir(mode=0o755, exist_ok=True)
    return DATA


@contextmanager
def stack_lock() -> Iterator[None]:
    """Serialise `up` and `down` so that `make test` and `make run` started together do not
    both try to create the cluster or grab a port."""
    ensure_data_dir()
    with LOCK_FILE.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load_state() -> dict:
    """Ports chosen at first start; kept so that URLs stay the same across restarts."""
    try:
        return json.loads(STATE_FILE.read_text())
    except (OSError, ValueError):
        return {}


def save_state(state: dict) -> None:
    """Write the state atomically so an interrupted write never loses a port."""
    write_atomic(STATE_FILE, json.dumps(state, indent=2, sort_keys=True) + "\n")


def write_atomic(path: Path, text: str, mode: int = 0o644) -> None:
    """Replace `path` in one step: readers (settings, a second `up`) never see half a file."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    temporary.chmod(mode)
    temporary.replace(path)


def port_is_free(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:port, so an embedded server may take it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port the kernel says is free now; chosen once and persisted, never a fixed default,
    so two checkouts (or a system PostgreSQL on 5432) do not collide."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def choose_port(state: dict, key: str) -> int:
    """The persisted port for `key`, or a new one when there is none or someone else took it."""
    port = state.get(key)
    if isinstance(port, int) and port_is_free(port):
        return port
    new_port = free_port()
    if port:
        say(f"port {port} for {key} is taken by another program; using {new_port}")
    state[key] = new_port
    save_state(state)
    return new_port


def process_runs_in(pid: int, directory: Path, name: str) -> bool:
    """True when `pid` is alive, is a `name` process and has `directory` as its working directory.

    Pid files outlive crashes and pids are reused (quickly, in containers), so a pid alone
    proves nothing. PostgreSQL and Redis both chdir into their data directory, which makes the
    working directory a reliable sign that the process is the server of this checkout.
    """
    proc = Path("/proc") / str(pid)
    try:
        comm = (proc / "comm").read_text().strip()
    except OSError:
        return False
    if not comm.startswith(name):
        return False
    try:
        cwd = Path(os.readlink(proc / "cwd"))
    except PermissionError:
        # Another user's process of the right name: assume it is ours rather than delete the
        # pid file of a live server.
        return True
    except OSError:
        return False
    return cwd == directory.resolve()


def read_pid(path: Path) -> int | None:
    """The pid on the first line of a pid file, or None when there is no usable file."""
    try:
        first = path.read_text().splitlines()[0].strip()
        return int(first)
    except (OSError, IndexError, ValueError):
        return None
