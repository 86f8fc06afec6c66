"""How likely chance alone gives a count at least this large: the tails the unexplained-lookup
detectors score against, so that alerts stay a bounded share of users as the population grows
(each test alerts with probability at most ``max_chance`` when nothing is wrong).

Summed upwards from the observed count in log space, so tails far below 1e-16 (the scale
``max_chance`` works at) are exact rather than ``1 - 1``."""

from __future__ import annotations

import math


def poisson_at_least(observed: int, expected: float) -> float:
    """P(X ≥ observed) for X ~ Poisson(expected)."""
    if observed <= 0:
        return 1.0
    if expected <= 0:
        return 0.0
    total, k = 0.0, observed
    term = math.exp(-expected + k * math.log(expected) - math.lgamma(k + 1))
    while term > total * 1e-12 and k < observed + 10_000:
        total += term
        k += 1
        term *= expected / k
    return min(1.0, total)


def binomial_at_least(observed: int, trials: int, share: float) -> float:
    """P(X ≥ observed) for X ~ Binomial(trials, share)."""
    if observed <= 0:
        return 1.0
    if observed > trials or share <= 0:
        return 0.0
    if share >= 1:
        return 1.0
    log_p, log_q = math.log(share), math.log1p(-share)
    return min(
        1.0,
        sum(
            math.exp(
                math.lgamma(trials + 1) - math.lgamma(k + 1) - math.lgamma(trials - k + 1)
                + k * log_p + (trials - k) * log_q
            )
            for k in range(observed, trials + 1)
        ),
    )  # fmt: skip
