"""The unprivileged account the embedded PostgreSQL and Redis run as when we are root.

PostgreSQL will not start as root at all, and a server reachable over TCP should not hold
root's power anyway. When the stack is started by a normal user the servers simply run as
that user and nothing here changes any file.
"""

# ruff: noqa: S603, S607 - creating the system user is this module's job; the command is a fixed
# argument list (no shell, no user input) and useradd is looked up on PATH like any admin tool.

import os
import pwd
import stat
import subprocess
from pathlib import Path

from .stack_common import StackError, say

SYSTEM_USER = "contactpoint_pg"


def server_account() -> pwd.struct_passwd | None:
    """The account that runs the embedded servers: None means the current user.

    PostgreSQL refuses to run as root, and neither server should have root's reach if it is
    compromised; CI and containers run as root, so there a dedicated system user is used.
    """
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        say(f"creating system user {SYSTEM_USER} to run PostgreSQL and Redis (not as root)")
    command = ["useradd", "--system", "--no-create-home", "--user-group"]
    if Path("/usr/sbin/nologin").exists():
        command += ["--shell", "/usr/sbin/nologin"]
    result = subprocess.run([*command, SYSTEM_USER], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StackError(f"could not create user {SYSTEM_USER}: {result.stderr.strip()}")
    return pwd.getpwnam(SYSTEM_USER)


def account_kwargs(account: pwd.struct_passwd | None) -> dict:
    """subprocess arguments that drop to `account`, with no supplementary groups kept from
    root (group 0 would let the server read files it has no business reading)."""
    if account is None:
        return {}
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def add_mode(path: Path, bits: int) -> None:
    """Add permission bits only when missing, so a second start touches nothing."""
    mode = path.stat().st_mode
    if mode & bits != bits:
        path.chmod(stat.S_IMODE(mode) | bits)


def make_traversable(path: Path) -> None:
    """Let other users pass through every directory above `path` (search bit only: they can
    reach the server's files without listing the developer's home directory)."""
    for parent in path.resolve().parents:
        add_mode(parent, stat.S_IXOTH)


def make_world_readable(top: Path) -> None:
    """Let the server account read a wheel's binaries, libraries and share files.

    A virtualenv created under a restrictive umask (or in /root) is unreadable to the system
    user; executables keep their execute bit for others too.
    """
    make_traversable(top)
    for directory, _subdirs, files in os.walk(top):
        add_mode(Path(directory), stat.S_IROTH | stat.S_IXOTH)
        for name in files:
            file = Path(directory) / name
            if file.is_symlink():
                continue
            executable = file.stat().st_mode & stat.S_IXUSR
            add_mode(file, stat.S_IROTH | (stat.S_IXOTH if executable else 0))


def give_to(path: Path, account: pwd.struct_passwd | None, mode: int) -> None:
    """Make `path` belong to the server account with `mode`; a tree that changed hands (for
    example first created by a non-root run) is handed over whole."""
    path.chmod(mode)
    if account is None or path.stat().st_uid == account.pw_uid:
        return
    os.chown(path, account.pw_uid, account.pw_gid)
    for directory, subdirs, files in os.walk(path):
        for name in [*subdirs, *files]:
            os.chown(Path(directory) / name, account.pw_uid, account.pw_gid, follow_symlinks=False)
