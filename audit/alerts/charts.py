"""Stacked bar charts for the misuse dashboard, laid out on the server as plain numbers that
a template draws as SVG.

Why on the server: the pages carry a strict content-security policy and no chart library;
a chart of a dozen bars is a few rectangles. Every chart comes with a text description and
the same numbers as a table (the template's job), so nothing is conveyed by colour alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .selectors import Timeline

WIDTH, HEIGHT = 680, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 36
# GOV.UK Frontend's palette, in an order where neighbours contrast with each other.
PALETTE = (
    "#1d70b8",
    "#f47738",
    "#00703c",
    "#d4351c",
    "#4c2c92",
    "#28a197",
    "#b58840",
    "#d53880",
    "#003078",
    "#505a5f",
)
OUTCOME_COLOURS = {
    "open": "#1d70b8",
    "escalated": "#f47738",
    "legitimate": "#00703c",
    "needs_training": "#b58840",
    "misuse": "#d4351c",
}


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class LegendEntry:
    label: str
    colour: str
    total: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    bars: tuple[Bar, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    legend: tuple[LegendEntry, ...]
    total: int


def stacked_bars(timeline: Timeline, *, date_format: str, colours: dict | None = None) -> Chart:
    """One bar per bucket, one segment per series with a count; y axis from 0 to a round
    maximum so the gridlines read as whole numbers."""
    buckets = timeline.buckets
    peak = max(timeline.totals, default=0)
    top = _round_up(peak)
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    band = plot_width / max(len(buckets), 1)
    bar_width = band * 0.7
    colour_of = {
        series.key: (colours or {}).get(series.key, PALETTE[index % len(PALETTE)])
        for index, series in enumerate(timeline.series)
    }
    bars = []
    for column, bucket in enumerate(buckets):
        base = HEIGHT - BOTTOM
        for series in timeline.series:
            count = series.counts[column]
            if not count:
                continue
            height = plot_height * count / top
            base -= height
            bars.append(
                Bar(
                    x=round(LEFT + column * band + (band - bar_width) / 2, 1),
                    y=round(base, 1),
                    width=round(bar_width, 1),
                    height=round(height, 1),
                    colour=colour_of[series.key],
                    title=f"{bucket.strftime(date_format)}: {count} {series.label}",
                )
            )
    step = max(1, math.ceil(len(buckets) / 12))
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_top=TOP,
        plot_bottom=HEIGHT - BOTTOM,
        bars=tuple(bars),
        y_ticks=tuple(
            Tick(position=round(HEIGHT - BOTTOM - plot_height * value / top, 1), label=str(value))
            for value in _ticks(top)
        ),
        x_ticks=tuple(
            Tick(
                position=round(LEFT + column * band + band / 2, 1), label=day.strftime(date_format)
            )
            for column, day in enumerate(buckets)
            if column % step == 0
        ),
        legend=tuple(
            LegendEntry(label=series.label, colour=colour_of[series.key], total=sum(series.counts))
            for series in timeline.series
            if sum(series.counts)
        ),
        total=sum(timeline.totals),
    )


def _round_up(peak: int) -> int:
    """The smallest of 4, 8, 10, 20, 40, 50, 100, … at or above ``peak`` (4 when empty)."""
    if peak <= 4:
        return 4
    magnitude = 10 ** math.floor(math.log10(peak))
    for factor in (1, 2, 4, 5, 10):
        if factor * magnitude >= peak:
            return factor * magnitude
    return 10 * magnitude


def _ticks(top: int) -> list[int]:
    return [top * quarter // 4 for quarter in range(5) if top * quarter % 4 == 0]
