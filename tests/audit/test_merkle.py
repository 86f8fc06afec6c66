"""The tree hashing is RFC 6962's, so outside parties can check heads with any CT library."""

import hashlib

from audit.sealing.merkle import EMPTY_ROOT, CompactTree, leaf_hash, root_from_leaves

# Certificate Transparency's reference leaves and roots for tree sizes 1..8 (RFC 6962 test
# vectors, as published with the CT reference implementations).
CT_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657"]
CT_LEAVES.append("606162636465666768696a6b6c6d6e6f")
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def test_it_matches_the_rfc_6962_reference_roots():
    tree = CompactTree()
    for data, expected in zip(CT_LEAVES, CT_ROOTS, strict=True):
        tree.append(leaf_hash(bytes.fromhex(data)))
        assert tree.root().hex() == expected


def test_it_hashes_an_empty_tree_as_sha256_of_nothing():
    assert CompactTree().root() == EMPTY_ROOT == hashlib.sha256(b"").digest()


def test_it_agrees_with_the_recursive_definition_at_every_size():
    leaves = [leaf_hash(number.to_bytes(4, "big")) for number in range(70)]
    tree = CompactTree()
    for size, leaf in enumerate(leaves, start=1):
        tree.append(leaf)
        assert tree.root() == root_from_leaves(leaves[:size])


def test_it_resumes_from_a_stored_frontier():
    leaves = [leaf_hash(bytes([number])) for number in range(45)]
    first = CompactTree()
    first.extend(leaves[:27])
    resumed = CompactTree.from_bytes(27, first.to_bytes())
    resumed.extend(leaves[27:])
    assert resumed.root() == root_from_leaves(leaves)
    assert len(resumed.frontier) == bin(45).count("1")
