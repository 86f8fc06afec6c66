"""Weighted sampling for the demo world's hot loops."""

from __future__ import annotations

import bisect
import itertools
import random


class Weighted:
    """Sample a fixed list with fixed weights in O(log n), without building lists per call
    (``rng.choices`` rebuilds its cumulative weights every time, which shows at 100,000 rows)."""

    def __init__(self, items: tuple, weights: list[float]):
        self.items = items
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.total)]
