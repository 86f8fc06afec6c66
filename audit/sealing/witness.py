"""Witnesses: copies of every signed tree head kept outside the database.

Rule (tamper evidence): someone who can rewrite the database (a superuser, a restored backup)
could roll events and heads back together and leave a log that is consistent with itself.
A witness that only ever appends holds the later heads, so ``verify_audit`` notices. The
default witness is a directory (``AUDIT_WITNESS_DIR``): one file per head, named by tree size
(a later epoch's in a directory of its own, so that epochs never mix), created once and never
overwritten; in production it belongs on storage the database's administrators cannot write
(another host, an object store with retention lock). Another kind of witness implements the
``Witness`` protocol.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from django.conf import settings

from .heads import SignedHead
from .transition import SignedTransition
from .verify_head import (
    epoch_directory,
    mapping_file,
    read_transitions,
    read_witness,
    transition_file,
    witness_file_name,
)


class WitnessConflict(Exception):
    """The witness already holds a different head of the same size: the log has forked
    (for example, the database was rolled back and sealed again)."""


class Witness(Protocol):
    def publish(self, signed: SignedHead) -> None:
        """Keep ``signed``; succeed quietly when exactly this head is already kept."""

    def holds(self, signed: SignedHead) -> bool:
        """True when exactly this head is kept, False when none of its epoch and size is;
        raises WitnessConflict when a different one is kept."""

    def heads(self) -> list[SignedHead]:
        """Every head kept, oldest first (by epoch, then size)."""

    def publish_transition(self, signed: SignedTransition, mapping: Iterable[bytes]) -> None:
        """Keep a transition head and its mapping file (``mapping``: the file's lines);
        succeed quietly when exactly these are already kept."""

    def holds_transition(self, signed: SignedTransition) -> bool:
        """Like ``holds``, for a transition head (kept only after its mapping file)."""

    def transitions(self) -> list[SignedTransition]:
        """Every transition head kept, oldest first."""

    def mapping(self, to_epoch: int) -> Iterator[bytes] | None:
        """The lines of the mapping file kept for the transition into ``to_epoch``."""


class DirectoryWitness:
    """An append-only directory of ``<tree size>.json`` files (0444); a later epoch's heads in
    ``epoch-<n>/``, transitions in ``transitions/`` (``verify_head`` has the layout)."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def path_for(self, tree_size: int, epoch: int = 1) -> Path:
        return epoch_directory(self.directory, epoch) / witness_file_name(tree_size)

    def holds(self, signed: SignedHead) -> bool:
        path = self.path_for(signed.head.tree_size, signed.head.epoch)
        return _holds(path, _digest([signed.to_json()]), f"head at {path.name}")

    def publish(self, signed: SignedHead) -> None:
        path = self.path_for(signed.head.tree_size, signed.head.epoch)
        _write_once(path, [signed.to_json()], f"head at {path.name}")

    def heads(self) -> list[SignedHead]:
        return read_witness(self.directory) if self.directory.exists() else []

    def holds_transition(self, signed: SignedTransition) -> bool:
        """The head alone is compared (each sealing round asks): its mapping file was
        written, and compared if already there, before the head was."""
        to_epoch = signed.transition.to_epoch
        path = transition_file(self.directory, to_epoch)
        return _holds(path, _digest([signed.to_json()]), f"transition head into {to_epoch}")

    def publish_transition(self, signed: SignedTransition, mapping: Iterable[bytes]) -> None:
        """The mapping file first: a transition head in the witness always has its mapping."""
        to_epoch = signed.transition.to_epoch
        _write_once(mapping_file(self.directory, to_epoch), mapping, "mapping file")
        path = transition_file(self.directory, to_epoch)
        _write_once(path, [signed.to_json()], f"transition head into epoch {to_epoch}")

    def transitions(self) -> list[SignedTransition]:
        return read_transitions(self.directory)

    def mapping(self, to_epoch: int) -> Iterator[bytes] | None:
        path = mapping_file(self.directory, to_epoch)
        return _lines(path) if path.exists() else None


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        yield from handle


def _digest(chunks: Iterable[bytes]) -> bytes:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.digest()


def _holds(path: Path, digest: bytes, what: str) -> bool:
    """True when ``path`` holds content of this SHA-256, False when it does not exist."""
    if not path.exists():
        return False
    if _digest(_lines(path)) != digest:
        raise WitnessConflict(f"the witness holds a different {what} ({path})")
    return True


def _write_once(final: Path, chunks: Iterable[bytes], what: str) -> None:
    """Write to a private temporary file, then hard-link it to its final name: the link
    fails if the name exists, so a file is never overwritten and never seen half-written."""
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.parent / f".{final.name}.{secrets.token_hex(8)}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    digest = hashlib.sha256()
    try:
        with os.fdopen(descriptor, "wb") as handle:
            for chunk in chunks:
                digest.update(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, final)
        except FileExistsError:
            _holds(final, digest.digest(), what)
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_directory(final.parent)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def witness_from_settings() -> Witness:
    return DirectoryWitness(Path(settings.AUDIT_WITNESS_DIR))
