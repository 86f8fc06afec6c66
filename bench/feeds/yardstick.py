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
importer's matcher sees them, read straight from the table (``held_frame``: at 12 million
children the benchmark's own ``World`` is only a sample). The rows are linked in chunks of
``CHUNK``: at national scale a row has thousands of candidate pairs (about 1,800 children
share a date of birth, and a common surname's NYSIIS block or sorted neighbourhood holds
tens of thousands), and the toolkit compares pairs one Python call at a time, holding all
of them at once. A chunk changes nothing but the sorted neighbourhood's ranks, which are
taken over the chunk's family names and the children's rather than over the whole feed's
(a few misspelt names fewer between neighbours).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import pandas as pd

from .generate import Row

WINDOW = 9
CHUNK = 250
HELD_SQL = """
SELECT public_id, family_name, given_name, date_of_birth::text, postcode_sealed,
       CASE WHEN gender IN ('female', 'male', 'other') THEN gender END
FROM directory_child WHERE status = 'active'
ORDER BY public_id
"""
AGREEING = 4  # of the five comparisons
SEXES = {"f": "female", "m": "male", "female": "female", "male": "male", "other": "other"}
# The toolkit logs every index and comparison at INFO.
logging.getLogger("recordlinkage").setLevel(logging.WARNING)


def _each_distinct(values, function):
    """``function`` (a toolkit preprocessing step on a Series) applied to each distinct
    value once: the same result, in seconds rather than minutes over 12 million names."""
    codes, distinct = pd.factorize(pd.Series(list(values), dtype=object))
    done = function(pd.Series(distinct, dtype=object)).to_numpy(dtype=object)
    return done[codes], codes, done


def _frame(family, given, dob, postcode, sex, index) -> pd.DataFrame:
    from recordlinkage.preprocessing import clean, phonetic

    cleaned, codes, distinct = _each_distinct(family, lambda s: clean(s, strip_accents="unicode"))
    nysiis = phonetic(pd.Series(distinct, dtype=object), method="nysiis").to_numpy(object)
    return pd.DataFrame(
        {
            "family": cleaned,
            "family_code": nysiis[codes],
            "given": _each_distinct(given, lambda s: clean(s, strip_accents="unicode"))[0],
            "dob": list(dob),
            "postcode": [p.replace(" ", "").upper() or None for p in postcode],
            "sex": list(sex),
        },
        index=pd.Index(index if isinstance(index, range) else list(index)),
    )


@dataclass(frozen=True)
class HeldFrame:
    """The children for the toolkit, indexed by their rank in ``public_id`` order.

    Integers rather than the public ids themselves: the toolkit unions and sorts its pair
    indexes once per block, and sorting 12 million strings each time cost more than the
    comparisons. The ranks sort as the ids do, so ties between candidates break the same.
    """

    frame: pd.DataFrame
    public_ids: list[str]


def held_frame(connection) -> HeldFrame:
    """Every active child, streamed from the table (Django set up: postcodes are opened);
    a repeated name, date, postcode or sex shares one string (12 million copies of each
    would take gigabytes more)."""
    public_id: list[str] = []
    columns: list[list] = [[] for _ in range(5)]
    shared: list[dict] = [{} for _ in range(5)]
    with connection.cursor(name="yardstick_children", withhold=True) as stream:
        stream.itersize = 50_000
        stream.execute(HELD_SQL)
        for row in stream:
            public_id.append(row[0])
            values = (*row[1:4], _postcode(row[4], row[0]), row[5])
            for column, seen, value in zip(columns, shared, values, strict=True):
                column.append(seen.setdefault(value, value))
    family, given, dob, postcode, sex = columns
    del shared
    frame = _frame(family, given, dob, (p or "" for p in postcode), sex, range(len(public_id)))
    return HeldFrame(frame, public_id)


def _postcode(sealed, public_id: str) -> str | None:
    """The child's postcode, opened (the directory holds it sealed: issue 15), as the
    toolkit compares it: upper case without spaces, None when there is none."""
    from directory.models import Child

    text = Child.sealed_text("postcode", sealed, row=public_id)
    return text.replace(" ", "").upper() or None


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


def yardstick_link(held: HeldFrame, rows: list[Row], progress=None) -> dict[str, str]:
    """source_record_id -> the public_id it is linked to, or "" for a new child.

    ``progress(rows done, candidate pairs so far)`` after each chunk."""
    linked: dict[str, str] = {}
    pairs = 0
    for start in range(0, len(rows), CHUNK):
        chunk, compared = _link_chunk(held, rows[start : start + CHUNK])
        linked.update(chunk)
        pairs += compared
        if progress:
            progress(min(len(rows), start + CHUNK), pairs)
    return linked


def _link_chunk(children: HeldFrame, rows: list[Row]) -> tuple[dict[str, str], int]:
    import recordlinkage
    from recordlinkage.index import Block, SortedNeighbourhood

    feed, held = rows_frame(rows), children.frame
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
        row: children.public_ids[child]
        for row, child, agree, _ in best.itertuples(index=False)
        if agree >= AGREEING
    }
    decided = {
        row.values["source_record_id"]: linked.get(row.values["source_record_id"], "")
        for row in rows
    }
    return decided, len(pairs)
