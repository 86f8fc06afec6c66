"""The benchmark's printout: a markdown table per kind, then the headline figures."""

from __future__ import annotations

from collections import Counter

from .generate import Row
from .score import Decision, Scores, by_kind, scores, shielded_exposures, verdict


def _counts(rows: list[Row], decided: dict[str, Decision]) -> Counter:
    return Counter(verdict(row, decided.get(row.values["source_record_id"])) for row in rows)


def kind_table(rows: list[Row], ours: dict[str, Decision], lib: dict[str, Decision]) -> str:
    lines = [
        "| kind | n | ours correct | wrong | duplicate | review "
        "| lib correct | wrong | duplicate |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, kind_rows in [*by_kind(rows).items(), ("**all**", rows)]:
        o, y = _counts(kind_rows, ours), _counts(kind_rows, lib)
        missing = f" (+{o['missing']} undecided)" if o["missing"] else ""
        lines.append(
            f"| {kind} | {len(kind_rows)} | {o['correct']}{missing} | {o['wrong']} "
            f"| {o['duplicate']} | {o['review']} | {y['correct']} | {y['wrong']} "
            f"| {y['duplicate']} |"
        )
    return "\n".join(lines)


def _line(name: str, s: Scores) -> str:
    return (
        f"| {name} | {s.precision:.4f} | {s.recall:.4f} | {s.f1:.4f} | {s.review_share:.2%} "
        f"| {s.verdicts['wrong']} | {s.verdicts['duplicate']} |"
    )


def headline(rows: list[Row], ours: dict[str, Decision], lib: dict[str, Decision]) -> str:
    held = [row for row in rows if row.truth]
    exposed = shielded_exposures(rows, ours)
    exposed_lib = shielded_exposures(rows, lib)
    ours_all, lib_all = scores(rows, ours), scores(rows, lib)
    return "\n".join(
        [
            "| linker | precision | recall | F1 (goal >= 0.99) | review (goal < 2 %) "
            "| wrong links | duplicates |",
            "|---|---:|---:|---:|---:|---:|---:|",
            _line("ours (import_feed)", ours_all),
            _line("recordlinkage (4 of 5 agree)", lib_all),
            _line("ours, rows of held children only", scores(held, ours)),
            "",
            f"Shielded children's rows: {sum(r.truth_shielded for r in rows)}; "
            f"unshielded duplicates of shielded children (goal 0): ours "
            f"{exposed['unshielded duplicates']}, recordlinkage "
            f"{exposed_lib['unshielded duplicates']}; linked to another child: ours "
            f"{exposed['linked to another child']}, recordlinkage "
            f"{exposed_lib['linked to another child']}.",
        ]
    )


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
