"""Searches that led nowhere, per user, against their own history and their peers', over a
day, a week and four weeks.

Threat: someone checking who exists — names tried one after another, nothing opened —
whether forty searches in an afternoon or twenty on three scattered days, and whatever else
they did that day. A search is explained by the record it led to, as a lookup is by a
relation (issue 21, session 11), so the signal is the share of a user's searches after which
they opened none of the children found that day, or that found nobody
(``ActivityDay.fruitless_searches`` ÷ ``searches``), tested exactly as ``unexplained_user``
tests unexplained children (``measure_find``): against the larger of the user's own usual
and their peers', binomial tail ≤ ``max_chance`` and at least ``min_excess`` above it.

Its own detector, with its own thresholds, since session 12: searches scatter by chance
differently from children (a slip retried, a name spelt three ways), and while the two
shared one setting, the searches' chance alarms decided how strict the children's test had
to be.
"""

from __future__ import annotations

from ..windows import DAY, Window
from .base import Detector, Finding
from .unexplained_user import measure_find


def find(window: Window, params: dict) -> list[Finding]:
    return measure_find(window, params, "searches")


DETECTOR = Detector(
    name="unexplained_searches",
    label="Searches that led nowhere",
    window=DAY,
    find=find,
    settled=True,
    explanation=(
        "Raised when a larger share of someone's searches led to no record opened — nobody "
        "found, or nobody they opened that day — than is usual for them and for colleagues "
        "in the same role, over a day, a week or four weeks, and by more than chance would "
        "give: the trace of checking who exists. Each search below shows what was asked."
    ),
)
