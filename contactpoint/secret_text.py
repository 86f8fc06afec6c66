"""A secret given either in the environment or in a file: the one way both the audit signing
key and the field key-encryption key are read.

Why one place: each secret must fail loudly and the same way — missing, or named in a file
that cannot be read — at the first use, never fall back to a default (an unsigned log or an
unreadable directory would follow silently).
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def secret_text(*, value: str, path: str, file_setting: str, missing: str) -> str:
    """``value`` when set, else the text of the file at ``path``; ``missing`` is the message
    when neither is, ``file_setting`` names the file's setting in the error."""
    if value:
        return value
    if not path:
        raise ImproperlyConfigured(missing)
    try:
        return Path(path).read_text()
    except OSError as error:
        raise ImproperlyConfigured(f"Cannot read {file_setting} {path}: {error}") from None
