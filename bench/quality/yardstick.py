"""The yardstick: an established record-linkage toolkit answering the same queries.

The Python Record Linkage Toolkit (``recordlinkage``), used as its documentation shows and
not tuned to these errors: names cleaned with its ``clean`` (lower case, punctuation and
accents dropped); candidate pairs from the union of three of its indexes — a sorted
neighbourhood on the family name (window 9), a block on the date of birth and a block on
the given name; each pair compared with Jaro–Winkler on family and given names and, for
the date of birth, the better of its date comparison (1 equal, 0.5 day and month swapped)
and Levenshtein similarity of the dates as text (partial credit for a wrong digit). The
candidates are ranked by the sum, best first (ties by public id). It has no threshold, so
it shows something whenever any index paired the query with a child.

Candidates are the children the searching user may see: for the children's-services user
of an authority, the active children living there (the scope rule's residence branch; the
benchmark's users have no involvements or grants), read once for the whole world.
"""

from __future__ import annotations

import logging
import warnings

import pandas as pd

WINDOW = 9
# The toolkit logs every index and comparison at INFO, which the development settings show.
logging.getLogger("recordlinkage").setLevel(logging.WARNING)


def _clean(names: pd.Series) -> pd.Series:
    from recordlinkage.preprocessing import clean

    return clean(names.astype(object), strip_accents="unicode")


class Yardstick:
    """``recordlinkage`` over one authority's children at a time."""

    def __init__(self, children: pd.DataFrame):
        """``children``: public_id, given_name, family_name, date_of_birth (dates) and
        local_authority_id of every active child."""
        frame = pd.DataFrame(
            {
                "family": _clean(children["family_name"]).to_numpy(),
                "given": _clean(children["given_name"]).to_numpy(),
                "dob": pd.to_datetime(children["date_of_birth"]).to_numpy(),
                "dob_text": children["date_of_birth"].astype(str).to_numpy(),
                "authority": children["local_authority_id"].to_numpy(),
            },
            index=pd.Index(children["public_id"].to_numpy(), name="public_id"),
        )
        self.by_authority = {
            authority: rows.drop(columns="authority").sort_index()
            for authority, rows in frame.groupby("authority")
        }

    def rank(self, *, authority: str, family: str, given: str, dob: str) -> list[str]:
        """Public ids of ``authority``'s children paired with the query, best first.
        ``given`` and ``dob`` (ISO text) are empty when the query shape leaves them out."""
        import recordlinkage
        from recordlinkage.index import Block, SortedNeighbourhood

        candidates = self.by_authority[authority]
        query = pd.DataFrame(
            {
                "family": _clean(pd.Series([family])).to_numpy(),
                "given": _clean(pd.Series([given])).to_numpy() if given else [None],
                "dob": pd.to_datetime([dob or None]),
                "dob_text": [dob or None],
            },
            index=["query"],
        )
        # A new index each time: the sorted neighbourhood keeps the sorted keys it saw.
        indexer = recordlinkage.Index()
        indexer.add(SortedNeighbourhood("family", window=WINDOW))
        indexer.add(Block("dob"))
        indexer.add(Block("given"))
        pairs = indexer.index(query, candidates)
        if len(pairs) == 0:
            return []
        compare = recordlinkage.Compare()
        compare.string("family", "family", method="jarowinkler", label="family")
        compare.string("given", "given", method="jarowinkler", label="given")
        compare.date("dob", "dob", label="date")
        compare.string("dob_text", "dob_text", method="levenshtein", label="dob_text")
        with warnings.catch_warnings():
            # The toolkit writes 0.5 into an integer column (pandas FutureWarning).
            warnings.simplefilter("ignore", FutureWarning)
            features = compare.compute(pairs, query, candidates)
        score = (
            features["family"]
            + features["given"]
            + features[["date", "dob_text"]].astype(float).max(axis=1)
        )
        ranked = pd.DataFrame(
            {"score": score.to_numpy(), "id": pairs.get_level_values(1).to_numpy()}
        ).sort_values(["score", "id"], ascending=[False, True])
        return ranked["id"].tolist()
