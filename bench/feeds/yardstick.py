"""The yardstick: the Python Record Linkage Toolkit linking the same rows to the same children.

Used as its documentation shows and not tuned to these errors (as ``bench/quality``'s
yardstick for search): names cleaned with its ``clean``; candidate pairs from the union of
a block on the date of birth, a sorted neighbourhood on the family name (window 9) and a
block on the family name's NYSIIS code (its ``phonetic``); each pair compared on family and
given names (Jaro–Winkler at least 0.85, its documentation's example), date of birth,
postcode and sex (equal); the pairs classified by its unsupervised ECM classifier (the
Fellegi–Sunter model fitted by expectation–maximisation, no training labels, as our
matcher's weights are estimated without labels too). A row is linked to its most probable
pair when ECM calls that pair a match (probability at least one half), else it is new;
pairs equally probable (the same agreement pattern, e.g. twins whose given names are
within 0.85) are ordered by the summed Jaro–Winkler similarity of the names. It has no
review band: every row is decided.

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
MATCH_PROBABILITY = 0.5
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
            "given": clean(pd.Series(list(given), dtype=object), strip_accents="unicode"),
            "dob": list(dob),
            "postcode": [p.replace(" ", "").upper() or None for p in postcode],
            "sex": list(sex),
        },
        index=pd.Index(list(index)),
    ).assign(given=lambda f: f["given"].to_numpy())


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
        features = compare.compute(pairs, feed, held).astype(int)
        ecm = recordlinkage.ECMClassifier(binarize=None)
        ecm.fit(features)
        closeness = similar.compute(pairs, feed, held).sum(axis=1)
    ranked = pd.DataFrame(
        {
            "row": pairs.get_level_values(0),
            "child": pairs.get_level_values(1),
            "p": ecm.prob(features),
            "closeness": closeness.to_numpy(),
        }
    )
    best = ranked.sort_values(
        ["row", "p", "closeness", "child"], ascending=[True, False, False, True]
    ).drop_duplicates("row")
    linked = {
        row: child for row, child, p, _ in best.itertuples(index=False) if p >= MATCH_PROBABILITY
    }
    return {
        row.values["source_record_id"]: linked.get(row.values["source_record_id"], "")
        for row in rows
    }
