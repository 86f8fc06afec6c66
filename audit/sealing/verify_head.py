"""Check signed tree heads with nothing but the public key and the witness files.

For outside parties (an auditor, a regulator, another authority keeping a copy of the heads):
no database, no Django, only this file, ``heads.py``, ``merkle.py`` and the ``cryptography``
package.

    python -m audit.sealing.verify_head --public-key <base64 or PEM file> .data/audit-witness/

It checks every head's signature, that each names the head before it (size and root), that
sizes and event ids only grow, and that the file name is the head's tree size. Where the log
was re-rooted (``audit.sealing.reroot``) it does so for each epoch, and checks each transition head:
its signature, that it joins the old epoch's last head to a head of the new one, and that its
mapping file is the one it signed and folds into both roots. Exit status 0 when all is well,
1 with the first problem otherwise. docs/audit.md has the same recipe with ``jq`` and
``openssl`` only.

The witness directory: epoch 1's heads at the top (as before there were epochs), a later
epoch's in ``epoch-<n>/``, and the transition into epoch n with its mapping in
``transitions/epoch-<n>.json`` and ``transitions/epoch-<n>-leaves.csv``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .heads import (
    Head,
    SignedHead,
    head_name,
    key_id_for,
    public_key_from_text,
    signature_problem,
)
from .merkle import EMPTY_ROOT
from .transition import SignedTransition, mapping_problems, transition_problems


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


def epoch_directory(root: Path, epoch: int) -> Path:
    return Path(root) if epoch == 1 else Path(root) / f"epoch-{epoch}"


def transition_file(root: Path, to_epoch: int) -> Path:
    return Path(root) / "transitions" / f"epoch-{to_epoch}.json"


def mapping_file(root: Path, to_epoch: int) -> Path:
    return Path(root) / "transitions" / f"epoch-{to_epoch}-leaves.csv"


def read_witness_dir(directory: Path) -> list[SignedHead]:
    """The heads of one epoch's directory, oldest first."""
    heads = [SignedHead.from_json(path.read_bytes()) for path in sorted(directory.glob("*.json"))]
    return sorted(heads, key=lambda signed: signed.head.tree_size)


def read_witness(root: Path) -> list[SignedHead]:
    """Every epoch's heads, oldest first (by epoch, then size)."""
    heads = read_witness_dir(root) if Path(root).exists() else []
    for directory in sorted(Path(root).glob("epoch-*")):
        heads += read_witness_dir(directory)
    return sorted(heads, key=lambda signed: (signed.head.epoch, signed.head.tree_size))


def read_transitions(root: Path) -> list[SignedTransition]:
    files = sorted((Path(root) / "transitions").glob("epoch-*.json"))
    transitions = [SignedTransition.from_json(path.read_bytes()) for path in files]
    return sorted(transitions, key=lambda signed: signed.transition.to_epoch)


def witness_problems(heads: list[SignedHead], public_keys: dict) -> list[str]:
    """Everything wrong with a run of heads, oldest first; each epoch's chain starts afresh."""
    problems = []
    previous = None
    for signed in heads:
        name = head_name(signed.head.epoch, signed.head.tree_size)
        if previous is not None and previous.epoch != signed.head.epoch:
            previous = None
        if reason := signature_problem(signed, public_keys):
            problems.append(f"{name}: {reason}")
        if reason := chain_problem(previous, signed.head):
            problems.append(f"{name}: {reason}")
        previous = signed.head
    return problems


def witness_transition_problems(root: Path, heads: list[SignedHead], public_keys: dict) -> list:
    """Everything wrong with the witness's transition heads and their mapping files, and any
    epoch after the first that no transition leads into."""
    by_epoch: dict[int, list[Head]] = {}
    for signed in heads:
        by_epoch.setdefault(signed.head.epoch, []).append(signed.head)
    transitions = read_transitions(root)
    joined = {signed.transition.to_epoch for signed in transitions}
    problems = [
        f"epoch {epoch}: no transition head leads into it"
        for epoch in sorted(by_epoch)
        if epoch > 1 and epoch not in joined
    ]
    for signed in transitions:
        transition = signed.transition
        name = f"transition head into epoch {transition.to_epoch}"
        old = by_epoch.get(transition.to_epoch - 1, [])
        sizes = {head.tree_size: head for head in by_epoch.get(transition.to_epoch, [])}
        found = transition_problems(
            signed,
            public_keys,
            last_old=old[-1] if old else None,
            joined_new=sizes.get(transition.to_tree_size),
        )
        path = mapping_file(root, transition.to_epoch)
        if path.exists():
            with path.open("rb") as lines:
                found += mapping_problems(lines, transition)
        else:
            found.append(f"its mapping file {path.name} is missing")
        problems += [f"{name}: {reason}" for reason in found]
    return problems


def misfiled_problem(root: Path) -> str | None:
    """A file whose name is not its head's tree size, or that sits in another epoch's
    directory: a directory listing must say what each file holds."""
    directories = [(1, Path(root))]
    for directory in sorted(Path(root).glob("epoch-*")):
        directories.append((int(directory.name.removeprefix("epoch-")), directory))
    for epoch, directory in directories:
        for path in directory.glob("*.json"):
            head = SignedHead.from_json(path.read_bytes()).head
            if (head.epoch, path.name) != (epoch, witness_file_name(head.tree_size)):
                return f"{path}: holds the {head_name(head.epoch, head.tree_size)}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m audit.sealing.verify_head", description=__doc__
    )
    parser.add_argument("--public-key", action="append", required=True, help="base64 or a file")
    parser.add_argument("witness", type=Path, help="the witness directory")
    args = parser.parse_args(argv)
    keys = {}
    for given in args.public_key:
        path = Path(given)
        key = public_key_from_text(path.read_text() if path.is_file() else given)
        keys[key_id_for(key)] = key
    if misfiled := misfiled_problem(args.witness):
        print(misfiled, file=sys.stderr)
        return 1
    heads = read_witness(args.witness)
    problems = witness_problems(heads, keys) + witness_transition_problems(
        args.witness, heads, keys
    )
    if problems:
        print(problems[0], file=sys.stderr)
        return 1
    if heads:
        newest = heads[-1].head
        epoch = f"epoch {newest.epoch}, " if newest.epoch > 1 else ""
        print(
            f"{len(heads)} heads verified; newest: {epoch}tree size {newest.tree_size}, "
            f"root {newest.root_hash.hex()}, sealed {newest.sealed_at:%Y-%m-%d %H:%M:%S} UTC"
        )
    else:
        print("no heads in the witness directory")
    return 0


if __name__ == "__main__":
    sys.exit(main())
