"""Check signed tree heads with nothing but the public key and the witness files.

For outside parties (an auditor, a regulator, another authority keeping a copy of the heads):
no database, no Django, only this file, ``heads.py``, ``merkle.py`` and the ``cryptography``
package.

    python -m audit.verify_head --public-key <base64 or PEM file> .data/audit-witness/

It checks every head's signature, that each names the head before it (size and root), that
sizes and event ids only grow, and that the file name is the head's tree size. Exit status 0
when all is well, 1 with the first problem otherwise. docs/audit.md has the same recipe with
``jq`` and ``openssl`` only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .heads import Head, SignedHead, key_id_for, public_key_from_text, signature_problem
from .merkle import EMPTY_ROOT


def chain_problem(previous: Head | None, head: Head) -> str | None:
    """Why ``head`` cannot follow ``previous`` (None: the first head of the log)."""
    before_size = previous.tree_size if previous else 0
    before_root = previous.root_hash if previous else EMPTY_ROOT
    before_through = previous.sealed_through_id if previous else 0
    if head.previous_tree_size != before_size:
        return (
            f"names tree size {head.previous_tree_size} as its predecessor, "
            f"but the head before it has size {before_size}"
        )
    if head.previous_root_hash != before_root:
        return "names a predecessor root that differs from the head before it"
    if head.tree_size <= before_size:
        return "does not grow the tree"
    if not before_through < head.first_event_id <= head.last_event_id <= head.sealed_through_id:
        return "covers event ids out of order"
    return None


def witness_file_name(tree_size: int) -> str:
    """Zero-padded so that a directory listing sorts by tree size."""
    return f"{tree_size:020d}.json"


def read_witness_dir(directory: Path) -> list[SignedHead]:
    heads = [SignedHead.from_json(path.read_bytes()) for path in sorted(directory.glob("*.json"))]
    return sorted(heads, key=lambda signed: signed.head.tree_size)


def witness_problems(heads: list[SignedHead], public_keys: dict) -> list[str]:
    """Everything wrong with a run of heads, oldest first."""
    problems = []
    previous = None
    for signed in heads:
        size = signed.head.tree_size
        if reason := signature_problem(signed, public_keys):
            problems.append(f"head at tree size {size}: {reason}")
        if reason := chain_problem(previous, signed.head):
            problems.append(f"head at tree size {size}: {reason}")
        previous = signed.head
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m audit.verify_head", description=__doc__)
    parser.add_argument("--public-key", action="append", required=True, help="base64 or a file")
    parser.add_argument("witness", type=Path, help="the witness directory")
    args = parser.parse_args(argv)
    keys = {}
    for given in args.public_key:
        path = Path(given)
        key = public_key_from_text(path.read_text() if path.is_file() else given)
        keys[key_id_for(key)] = key
    heads = read_witness_dir(args.witness)
    for path in args.witness.glob("*.json"):
        size = SignedHead.from_json(path.read_bytes()).head.tree_size
        if path.name != witness_file_name(size):
            print(f"{path.name}: holds the head at tree size {size}", file=sys.stderr)
            return 1
    problems = witness_problems(heads, keys)
    if problems:
        print(problems[0], file=sys.stderr)
        return 1
    if heads:
        newest = heads[-1].head
        print(
            f"{len(heads)} heads verified; newest: tree size {newest.tree_size}, "
            f"root {newest.root_hash.hex()}, sealed {newest.sealed_at:%Y-%m-%d %H:%M:%S} UTC"
        )
    else:
        print("no heads in the witness directory")
    return 0


if __name__ == "__main__":
    sys.exit(main())
