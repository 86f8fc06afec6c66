"""The benchmark's printout: a markdown table per kind, then the headline figures."""

from __future__ import annotations

from collections import Counter

from .generate import Row
from .score import Decision, Scores, by_kind, scores, shielded_exposures, verdict


def _counts(rows: list[Row], decided: dict[str, Decision]) -> Counter:
    return Counter(verdict(row, decided.get(row.values["source_record_id"])) for row in rows)


def kind_table(rows: list[Row], ours: dict[str, Decision], lib: dict[str, Decision] | None) -> str:
    """Verdicts per kind; without ``lib`` (rows the yardstick did not see), ours only."""
    libs = " lib correct | wrong | duplicate |" if lib is not None else ""
    lines = [
        "| kind | n | ours correct | wrong | duplicate | review |" + libs,
        "|---|---:|---:|---:|---:|---:|" + ("---:|---:|---:|" if lib is not None else ""),
    ]
    for kind, kind_rows in [*by_kind(rows).items(), ("**all**", rows)]:
        o = _counts(kind_rows, ours)
        missing = f" (+{o['missing']} undecided)" if o["missing"] else ""
        line = (
            f"| {kind} | {len(kind_rows)} | {o['correct']}{missing} | {o['wrong']} "
            f"| {o['duplicate']} | {o['review']} |"
        )
        if lib is not None:
            y = _counts(kind_rows, lib)
            line += f" {y['correct']} | {y['wrong']} | {y['duplicate']} |"
        lines.append(line)
    return "\n".join(lines)


def _line(name: str, s: Scores) -> str:
    return (
        f"| {name} | {s.precision:.4f} | {s.recall:.4f} | {s.f1:.4f} | {s.review_share:.2%} "
        f"| {s.verdicts['wrong']} | {s.verdicts['duplicate']} |"
    )


def headline(rows: list[Row], ours: dict[str, Decision], lib: dict[str, Decision] | None) -> str:
    held = [row for row in rows if row.truth]
    exposed = shielded_exposures(rows, ours)
    lines = [
        "| linker | precision | recall | F1 (goal >= 0.99) | review (goal < 2 %) "
        "| wrong links | duplicates |",
        "|---|---:|---:|---:|---:|---:|---:|",
        _line("ours (import_feed)", scores(rows, ours)),
    ]
    if lib is not None:
        lines.append(_line("recordlinkage (4 of 5 agree)", scores(rows, lib)))
    lines.append(_line("ours, rows of held children only", scores(held, ours)))
    shielded = (
        f"Shielded children's rows: {sum(r.truth_shielded for r in rows)}; "
        f"unshielded duplicates of shielded children (goal 0): ours "
        f"{exposed['unshielded duplicates']}; linked to another child: ours "
        f"{exposed['linked to another child']}"
    )
    if lib is not None:
        exposed_lib = shielded_exposures(rows, lib)
        shielded += (
            f"; recordlinkage: {exposed_lib['unshielded duplicates']} unshielded duplicates, "
            f"{exposed_lib['linked to another child']} linked to another child"
        )
    return "\n".join([*lines, "", shielded + "."])


def reviews_summary(rows: list[Row], ours: dict[str, Decision]) -> str:
    """What went to review, by reason and by whether the right child was among the
    candidates shown (a review the data manager cannot resolve from the screen is worse)."""
    tally: Counter = Counter()
    for row in rows:
        decision = ours.get(row.values["source_record_id"])
        if decision is None or decision.action != "review":
            continue
        if not row.truth:
            shown = "new child"
        elif row.truth in decision.candidates:
            shown = "right child among candidates"
        else:
            shown = "right child NOT among candidates"
        tally[(decision.reason, row.kind, shown)] += 1
    if not tally:
        return "Nothing held for review."
    lines = ["| reason | kind | truth | n |", "|---|---|---|---:|"]
    for (reason, kind, shown), n in sorted(tally.items()):
        lines.append(f"| {reason} | {kind} | {shown} | {n} |")
    return "\n".join(lines)
