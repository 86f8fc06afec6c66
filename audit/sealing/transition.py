"""The transition head: the signed join between one epoch of the log and the next.

Rule (tamper evidence across a re-rooting, ``audit.sealing.reroot``): when events of leaf version 1
are re-encoded so that they can be forgotten, their leaves change, so the old heads no longer
describe the events the database holds. The transition head, signed like a head, says which
old head ends the old epoch (tree size, root) and which new head seals the same events in the
new one (tree size, root), and commits to a mapping file: one line per event, its old leaf
hash, its new one and its personal digest. With it, anyone holding the old events and heads
can check, without our database, that

- the old leaves fold into the old epoch's last signed root, and the new ones into the new
  epoch's head (``mapping_problems``);
- each event they hold had the old leaf, and with the digest from the mapping has the new one:
  nothing but the encoding changed (``reencoding_problem``).

What it cannot show is that the digest commits to the criteria the event had: the salt stays in
the database (and is deleted when the event is forgotten). That part rests on the cut-over
having been honest, which is why an outside auditor should check the database at the cut-over
(``verify_audit``) and countersign the transition head (docs/audit.md, *Epochs*).

No Django here: ``verify_head`` and outside parties use it as it is.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .canonical import as_version_2, event_bytes
from .heads import Head, bytes_signature_problem, canonical_json, epoch_of, log_id
from .merkle import CompactTree, leaf_hash

TRANSITION_LOG = "contactpoint-audit/transition"
MAPPING_HEADER = b"event_id,old_leaf_hash,new_leaf_hash,personal_digest\n"
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


@dataclass(frozen=True)
class Transition:
    to_epoch: int
    from_tree_size: int
    from_root_hash: bytes
    to_tree_size: int
    to_root_hash: bytes
    # The cut-over: every event up to this id is sealed in both epochs' heads named above.
    sealed_through_id: int
    reencoded_events: int
    mapping_sha256: bytes
    signed_at: datetime
    key_id: str

    def to_dict(self) -> dict:
        return {
            "log": TRANSITION_LOG,
            "from_log": log_id(self.to_epoch - 1),
            "from_tree_size": self.from_tree_size,
            "from_root_hash": self.from_root_hash.hex(),
            "to_log": log_id(self.to_epoch),
            "to_tree_size": self.to_tree_size,
            "to_root_hash": self.to_root_hash.hex(),
            "sealed_through_id": self.sealed_through_id,
            "reencoded_events": self.reencoded_events,
            "mapping_sha256": self.mapping_sha256.hex(),
            "signed_at": self.signed_at.astimezone(UTC).strftime(_TIME_FORMAT),
            "key_id": self.key_id,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Transition:
        to_epoch = epoch_of(data.get("to_log"))
        if data.get("log") != TRANSITION_LOG or epoch_of(data.get("from_log")) != to_epoch - 1:
            raise ValueError("not a transition head between consecutive epochs")
        return cls(
            to_epoch=to_epoch,
            from_tree_size=int(data["from_tree_size"]),
            from_root_hash=bytes.fromhex(data["from_root_hash"]),
            to_tree_size=int(data["to_tree_size"]),
            to_root_hash=bytes.fromhex(data["to_root_hash"]),
            sealed_through_id=int(data["sealed_through_id"]),
            reencoded_events=int(data["reencoded_events"]),
            mapping_sha256=bytes.fromhex(data["mapping_sha256"]),
            signed_at=datetime.strptime(data["signed_at"], _TIME_FORMAT).replace(tzinfo=UTC),
            key_id=str(data["key_id"]),
        )

    def signed_bytes(self) -> bytes:
        return canonical_json(self.to_dict())


@dataclass(frozen=True)
class SignedTransition:
    transition: Transition
    signature: bytes

    def to_json(self) -> bytes:
        """The witness file's content, shaped like a head's."""
        return canonical_json(
            {
                "transition": self.transition.to_dict(),
                "signature": base64.b64encode(self.signature).decode(),
            }
        )

    @classmethod
    def from_json(cls, data: bytes) -> SignedTransition:
        parsed = json.loads(data)
        signature = base64.b64decode(parsed["signature"])
        return cls(Transition.from_dict(parsed["transition"]), signature)


def transition_sign(transition: Transition, key: Ed25519PrivateKey) -> SignedTransition:
    return SignedTransition(transition, key.sign(transition.signed_bytes()))


def transition_problems(
    signed: SignedTransition,
    public_keys: dict[str, Ed25519PublicKey],
    *,
    last_old: Head | None,
    joined_new: Head | None,
) -> list[str]:
    """Why ``signed`` does not join ``last_old`` (the old epoch's last head) to ``joined_new``
    (the new epoch's head of the transition's size)."""
    transition = signed.transition
    problems = []
    if reason := bytes_signature_problem(
        transition.key_id, transition.signed_bytes(), signed.signature, public_keys
    ):
        problems.append(reason)
    through = transition.sealed_through_id
    if _side(last_old) != (transition.from_tree_size, transition.from_root_hash, through):
        problems.append(f"does not name the last head of epoch {transition.to_epoch - 1}")
    if _side(joined_new) != (transition.to_tree_size, transition.to_root_hash, through):
        problems.append(f"does not name a head of epoch {transition.to_epoch}")
    if transition.from_tree_size != transition.to_tree_size:
        problems.append("joins trees of different sizes")
    return problems


def _side(head: Head | None) -> tuple | None:
    return None if head is None else (head.tree_size, head.root_hash, head.sealed_through_id)


def mapping_line(event_id: int, old_leaf: bytes, new_leaf: bytes, digest: bytes) -> bytes:
    return f"{event_id},{old_leaf.hex()},{new_leaf.hex()},{digest.hex()}\n".encode()


def mapping_entries(lines: Iterable[bytes]) -> Iterable[tuple[int, bytes, bytes, bytes]]:
    """(event id, old leaf, new leaf, personal digest) from the file's lines, header skipped."""
    for line in lines:
        if line == MAPPING_HEADER:
            continue
        event_id, old, new, digest = line.decode().rstrip("\n").split(",")
        yield int(event_id), bytes.fromhex(old), bytes.fromhex(new), bytes.fromhex(digest)


def mapping_problems(lines: Iterable[bytes], transition: Transition) -> list[str]:
    """Why the mapping file is not the one the transition signed, or does not fold into the
    two roots it names."""
    digest = hashlib.sha256()
    old, new = CompactTree(), CompactTree()
    last_id = 0
    problems = []
    for line in lines:
        digest.update(line)
        for event_id, old_leaf, new_leaf, _ in mapping_entries([line]):
            if event_id <= last_id:
                problems.append(f"event {event_id}: out of order in the mapping")
            last_id = event_id
            old.append(old_leaf)
            new.append(new_leaf)
    if digest.digest() != transition.mapping_sha256:
        problems.append("the mapping file is not the one the transition head signed")
    if (old.size, old.root()) != (transition.from_tree_size, transition.from_root_hash):
        problems.append("the mapping's old leaves do not hash to the old epoch's root")
    if (new.size, new.root()) != (transition.to_tree_size, transition.to_root_hash):
        problems.append("the mapping's new leaves do not hash to the new epoch's root")
    return problems


def reencoding_problem(
    old_row: Sequence, old_leaf: bytes, new_leaf: bytes, digest: bytes
) -> str | None:
    """Why an event as it was in the old epoch (a version 1 row, as ``canonical`` reads it)
    does not match its mapping line: its old leaf must be the one sealed, and the same fields
    with the digest must give the new leaf."""
    if leaf_hash(event_bytes(old_row)) != old_leaf:
        return "is not the event the old epoch sealed"
    if leaf_hash(event_bytes(as_version_2(old_row, digest))) != new_leaf:
        return "was re-encoded with something changed besides its encoding"
    return None
