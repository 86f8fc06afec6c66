"""Witnesses: copies of every signed tree head kept outside the database.

Rule (tamper evidence): someone who can rewrite the database (a superuser, a restored backup)
could roll events and heads back together and leave a log that is consistent with itself.
A witness that only ever appends holds the later heads, so ``verify_audit`` notices. The
default witness is a directory (``AUDIT_WITNESS_DIR``): one file per head, named by tree size,
created once and never overwritten; in production it belongs on storage the database's
administrators cannot write (another host, an object store with retention lock). Another kind
of witness only needs ``publish`` and ``heads``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Protocol

from django.conf import settings

from .heads import SignedHead
from .verify_head import read_witness_dir, witness_file_name


class WitnessConflict(Exception):
    """The witness already holds a different head of the same size: the log has forked
    (for example, the database was rolled back and sealed again)."""


class Witness(Protocol):
    def publish(self, signed: SignedHead) -> None:
        """Keep ``signed``; succeed quietly when exactly this head is already kept."""

    def holds(self, signed: SignedHead) -> bool:
        """True when exactly this head is kept, False when none of its size is; raises
        WitnessConflict when a different head of its size is kept."""

    def heads(self) -> list[SignedHead]:
        """Every head kept, oldest first."""


class DirectoryWitness:
    """An append-only directory of ``<tree size>.json`` files (0444)."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def path_for(self, tree_size: int) -> Path:
        return self.directory / witness_file_name(tree_size)

    def holds(self, signed: SignedHead) -> bool:
        try:
            kept = self.path_for(signed.head.tree_size).read_bytes()
        except FileNotFoundError:
            return False
        if kept != signed.to_json():
            raise WitnessConflict(
                f"the witness holds a different head at tree size {signed.head.tree_size}"
            )
        return True

    def publish(self, signed: SignedHead) -> None:
        """Write to a private temporary file, then hard-link it to its final name: the link
        fails if the name exists, so a head is never overwritten and never seen half-written."""
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.path_for(signed.head.tree_size)
        data = signed.to_json()
        temporary = self.directory / f".{final.name}.{secrets.token_hex(8)}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temporary, final)
            except FileExistsError:
                if final.read_bytes() != data:
                    raise WitnessConflict(
                        f"the witness already holds a different head at tree size "
                        f"{signed.head.tree_size} ({final})"
                    ) from None
        finally:
            temporary.unlink(missing_ok=True)
        _fsync_directory(self.directory)

    def heads(self) -> list[SignedHead]:
        if not self.directory.exists():
            return []
        return read_witness_dir(self.directory)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def witness_from_settings() -> Witness:
    return DirectoryWitness(Path(settings.AUDIT_WITNESS_DIR))
