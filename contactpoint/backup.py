"""Encrypted backups: ``pg_dump`` sealed on its way to the file, opened on its way back.

Rule (protection at rest): a backup on a lost disk must tell its finder nothing. Addresses and
contacts inside it are sealed anyway (their data keys travel wrapped), but the dump also holds
names, dates of birth and the audit log, so the whole stream is encrypted too: with a fresh
random key per backup, wrapped by the key provider (the same key-encryption key the fields
need), under AES-256-GCM in 1 MiB chunks. Each chunk's nonce carries its number and whether
it is the last (the STREAM construction), so chunks cannot be reordered, dropped or cut off
at the end without ``restore`` refusing the file. The plaintext dump only ever flows through
a pipe between pg_dump/pg_restore and this process; it is never written to disk.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import struct
import subprocess
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.utils import timezone

from directory.sealing.provider import key_provider

MAGIC = b"CPBACKUP\x01"
CHUNK = 1 << 20
_LENGTH = struct.Struct(">I")
_CONTEXT = b"backup"


class BackupBroken(Exception):
    """A backup that does not open: wrong key, tampered, reordered or cut short."""


def _read_full(stream: BinaryIO, size: int) -> bytes:
    parts, left = [], size
    while left:
        part = stream.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + _LENGTH.pack(index) + (b"\x01" if last else b"\x00")


def backup_seal(source: BinaryIO, out: BinaryIO) -> int:
    """Encrypt ``source`` into ``out``; returns the plaintext bytes read."""
    key = os.urandom(32)
    kek_id, wrapped = key_provider().wrap(key, context=_CONTEXT)
    prefix = os.urandom(7)
    header = json.dumps(
        {
            "kek_id": kek_id,
            "wrapped": base64.b64encode(wrapped).decode(),
            "prefix": prefix.hex(),
            "created": timezone.now().isoformat(),
        }
    ).encode()
    out.write(MAGIC + _LENGTH.pack(len(header)) + header)
    aead, aad = AESGCM(key), MAGIC + header
    total, index = 0, 0
    chunk = _read_full(source, CHUNK)
    while True:
        following = _read_full(source, CHUNK)
        last = not following
        sealed = aead.encrypt(_nonce(prefix, index, last), chunk, aad)
        out.write(_LENGTH.pack(len(sealed)) + sealed)
        total += len(chunk)
        if last:
            return total
        chunk, index = following, index + 1


def backup_open(source: BinaryIO, out: BinaryIO) -> int:
    """Decrypt a backup from ``source`` into ``out``; raises BackupBroken on any doubt."""
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupBroken("not a ContactPoint backup")
    header = _read_full(source, _LENGTH.unpack(_read_full(source, _LENGTH.size))[0])
    meta = json.loads(header)
    key = key_provider().unwrap(meta["kek_id"], base64.b64decode(meta["wrapped"]), context=_CONTEXT)
    aead, aad, prefix = AESGCM(key), MAGIC + header, bytes.fromhex(meta["prefix"])
    total, index = 0, 0
    sealed = _next_chunk(source)
    while sealed is not None:
        following = _next_chunk(source)
        try:
            chunk = aead.decrypt(_nonce(prefix, index, following is None), sealed, aad)
        except Exception as error:  # InvalidTag
            raise BackupBroken(f"chunk {index} does not open (tampered or cut short)") from error
        out.write(chunk)
        total += len(chunk)
        sealed, index = following, index + 1
    return total


def _next_chunk(source: BinaryIO) -> bytes | None:
    length = _read_full(source, _LENGTH.size)
    if not length:
        return None
    if len(length) < _LENGTH.size:
        raise BackupBroken("cut short")
    return _read_full(source, _LENGTH.unpack(length)[0])


def pg_tool(name: str) -> str:
    """``pg_dump``/``pg_restore`` of the embedded PostgreSQL when there is one (its version
    matches the server's), else the one on PATH."""
    from contactpoint.stack_postgres import StackError, bin_dir

    try:
        embedded = bin_dir() / name
        if embedded.exists():
            return str(embedded)
    except StackError:
        pass
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} not found")
    return found


def libpq_env(database: dict) -> tuple[list[str], dict]:
    """Connection arguments and environment for the PostgreSQL tools from a Django
    ``DATABASES`` entry (the password in the environment, never on the command line)."""
    args = ["--host", database.get("HOST") or "localhost", "--username", database["USER"]]
    if database.get("PORT"):
        args += ["--port", str(database["PORT"])]
    env = {**os.environ}
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    return args, env


def database_backup(database: dict, path: Path) -> int:
    """``pg_dump`` (custom format) of ``database`` into an encrypted file at ``path``."""
    args, env = libpq_env(database)
    command = [pg_tool("pg_dump"), *args, "--format", "custom", "--dbname", database["NAME"]]
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    with (
        subprocess.Popen(command, stdout=subprocess.PIPE, env=env) as dump,  # noqa: S603
        os.fdopen(os.open(path, flags, 0o600), "wb") as out,
    ):
        total = backup_seal(dump.stdout, out)
    if dump.returncode != 0:
        path.unlink(missing_ok=True)
        raise RuntimeError(f"pg_dump failed with exit status {dump.returncode}")
    return total


def database_restore(path: Path, database: dict) -> int:
    """Decrypt ``path`` into ``pg_restore`` for ``database`` (a fresh, empty database), in one
    transaction: a file that does not open entirely leaves the database as it was."""
    args, env = libpq_env(database)
    command = [
        pg_tool("pg_restore"), *args, "--dbname", database["NAME"], "--single-transaction",
        "--no-comments",
        "--exit-on-error",
    ]  # fmt: skip
    with (
        path.open("rb") as source,
        subprocess.Popen(command, stdin=subprocess.PIPE, env=env) as restore,  # noqa: S603,
    ):
        try:
            total = backup_open(source, restore.stdin)
        except BaseException:
            restore.kill()
            raise
        finally:
            if restore.stdin and not restore.stdin.closed:
                restore.stdin.close()
    if restore.returncode != 0:
        raise RuntimeError(f"pg_restore failed with exit status {restore.returncode}")
    return total
