"""RFC 6962 Merkle tree hashing, kept as a compact frontier.

Why RFC 6962 and not a home-made scheme: an outside party can check our tree heads with any
Certificate Transparency library, and the domain separation (0x00 for leaves, 0x01 for nodes)
stops a leaf from being passed off as an interior node (second-preimage attack).

Why a frontier: the log only grows, so the sealer keeps the roots of the perfect subtrees that
make up the current tree (one per set bit of the tree size, largest first, as CT and Trillian
"compact ranges" do). Appending a batch costs O(batch + log n) hashes, and the root is a fold
of at most 64 hashes, whatever the size of the log.

No Django here: outside parties and ``verify_head`` use this module as it is.
"""

from __future__ import annotations

import hashlib

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_leaves(leaves: list[bytes]) -> bytes:
    """The RFC 6962 Merkle Tree Hash computed directly from its definition (split at the
    largest power of two below n). Slow; the reference the frontier is tested against."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(root_from_leaves(leaves[:split]), root_from_leaves(leaves[split:]))


class CompactTree:
    """A growing RFC 6962 tree that remembers only its frontier.

    ``frontier[i]`` is the root of a perfect subtree; their sizes are the set bits of ``size``
    from the most significant down, so the frontier alone fixes every future root.
    """

    def __init__(self, size: int = 0, frontier: list[bytes] | None = None):
        frontier = list(frontier or [])
        if len(frontier) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} frontier hashes")
        self.size = size
        self.frontier = frontier

    @classmethod
    def from_bytes(cls, size: int, packed: bytes) -> CompactTree:
        if len(packed) % HASH_SIZE:
            raise ValueError("a packed frontier is a whole number of 32-byte hashes")
        hashes = [packed[i : i + HASH_SIZE] for i in range(0, len(packed), HASH_SIZE)]
        return cls(size, hashes)

    def to_bytes(self) -> bytes:
        return b"".join(self.frontier)

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash: merge equal-sized subtrees, as binary addition carries."""
        self.frontier.append(leaf)
        self.size += 1
        carries = (self.size & -self.size).bit_length() - 1
        for _ in range(carries):
            right = self.frontier.pop()
            left = self.frontier.pop()
            self.frontier.append(node_hash(left, right))

    def extend(self, leaves: list[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        """Fold the frontier from the right: the largest subtree is always the left child."""
        if not self.frontier:
            return EMPTY_ROOT
        root = self.frontier[-1]
        for subtree in reversed(self.frontier[:-1]):
            root = node_hash(subtree, root)
        return root

    def copy(self) -> CompactTree:
        return CompactTree(self.size, self.frontier)
