"""The yardstick: the Python Record Linkage Toolkit linking the same rows to the same children.

Used as its documentation shows and not tuned to these errors (as ``bench/quality``'s
yardstick for search): names cleaned with its ``clean``; candidate pairs from the union of
a block on the date of birth, a sorted neighbourhood on the family name (window 9) and a
block on the family name's NYSIIS code (its ``phonetic``); each pair compared on family and
given names (Jaro–Winkler at least 0.85, its documentation's example), date of birth,
postcode and sex (equal); a pair is a match when at least four of the five agree (its
quick-start's classification, ``features.sum(axis=1) > 3``). A row is linked to its best
matching pair (most fields agreeing, then the summed Jaro–Winkler similarity of the names),
else it is new. It has no review band: every row is decided.

Why not its ECM classifier: a threshold on the agreement count is the toolkit's own first
example, deterministic, and has no fitting step that can settle on the wrong classes.

The children are every active child of the world, shielded ones included, as the
importer's matcher sees them.
"""

from __future__ import annotations

import logging
import warnings

import pandas as pd

from .generate import Row
from .world import Held

WINDOW = 9
AGREEING = 4  # of the five comparisons
SEXES = {"f": "female", "m": "male", "female": "female", "male": "male", "other": "other"}
# The toolkit logs every index and comparison at INFO.
logging.getLogger("recordlinkage").setLevel(logging.WARNING)


def _frame(family, given, dob, postcode, sex, index) -> pd.DataFrame:
    from recordlinkage.preprocessing import clean, phonetic

    family = clean(pd.Series(list(family), dtype=object), strip_accents="unicode")
    return pd.DataFrame(
        {
            "family": family.to_numpy(),
            "family_code": phonetic(family, method="nysiis").to_numpy(),
            "given": clean(
                pd.Series(list(given), dtype=object), strip_accents="unicode"
            ).to_numpy(),
            "dob": list(dob),
            "postcode": [p.replace(" ", "").upper() or None for p in postcode],
            "sex": list(sex),
        },
        index=pd.Index(list(index)),
    )


def children_frame(children: list[Held]) -> pd.DataFrame:
    known = {"female", "male", "other"}
    return _frame(
        (c.family for c in children),
        (c.given for c in children),
        (c.dob.isoformat() for c in children),
        (c.postcode for c in children),
        (c.gender if c.gender in known else None for c in children),
        (c.public_id for c in children),
    )


def rows_frame(rows: list[Row]) -> pd.DataFrame:
    values = [row.values for row in rows]
    return _frame(
        (v["family_name"] for v in values),
        (v["given_name"] for v in values),
        (v["date_of_birth"] for v in values),
        (v["postcode"] for v in values),
        (SEXES.get(v["sex"].lower()) for v in values),
        (v["source_record_id"] for v in values),
    )


def yardstick_link(children: list[Held], rows: list[Row]) -> dict[str, str]:
    """source_record_id -> the public_id it is linked to, or "" for a new child."""
    import recordlinkage
    from recordlinkage.index import Block, SortedNeighbourhood

    held, feed = children_frame(children), rows_frame(rows)
    indexer = recordlinkage.Index()
    indexer.add(Block("dob"))
    indexer.add(SortedNeighbourhood("family", window=WINDOW))
    indexer.add(Block("family_code"))
    pairs = indexer.index(feed, held)
    compare = recordlinkage.Compare()
    compare.string("family", "family", method="jarowinkler", threshold=0.85, label="family")
    compare.string("given", "given", method="jarowinkler", threshold=0.85, label="given")
    compare.exact("dob", "dob", label="dob")
    compare.exact("postcode", "postcode", label="postcode")
    compare.exact("sex", "sex", label="sex")
    similar = recordlinkage.Compare()
    similar.string("family", "family", method="jarowinkler", label="family")
    similar.string("given", "given", method="jarowinkler", label="given")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        agreeing = compare.compute(pairs, feed, held).astype(int).sum(axis=1)
        closeness = similar.compute(pairs, feed, held).sum(axis=1)
    ranked = pd.DataFrame(
        {
            "row": pairs.get_level_values(0),
            "child": pairs.get_level_values(1),
            "agreeing": agreeing.to_numpy(),
            "closeness": closeness.to_numpy(),
        }
    )
    best = ranked.sort_values(
        ["row", "agreeing", "closeness", "child"], ascending=[True, False, False, True]
    ).drop_duplicates("row")
    linked = {
        row: child for row, child, agree, _ in best.itertuples(index=False) if agree >= AGREEING
    }
    return {
        row.values["source_record_id"]: linked.get(row.values["source_record_id"], "")
        for row in rows
    }
