"""How sure a grid index is, and stars that separate: the uncertainty band of a score, the
provisional (样本少) mark, rank changes that mean something, and absolute or relative stars.

Band. Each shrunk component is the mean of a Beta posterior: with the parent's rate p as a
Beta(k·p, k·(1 − p)) prior and x of n cases meeting the component, the posterior is
Beta(x + k·p, n − x + k·(1 − p)), whose mean (x + k·p) / (n + k) is exactly the shrinkage of
gridindex.shrink, and whose variance is s·(1 − s) / (n + k + 1) with s that mean. The response
component (min(1, target / median)) is treated the same way with its n (responded cases). The
score's band is score ± z·sd with sd² = 100² · Σ wᵢ² · Var(sᵢ) (components taken as independent,
weights renormalised over the components present, as gridindex.combine), z = 1.645 (90 %),
clipped to [0, 100]. A unit without a parent value (the towns under the county) has no prior:
k = 0 for it. A rank whose band is wider than the `rank_provisional_band` setting (index points)
is provisional ("样本少"): still given, marked.

Stars. Absolute bands are DESIGN.md's (≥ 90 five … else one). Relative bands give the top 10 %
five stars, the next 20 % four, 40 % three, 20 % two and the last 10 % one, by rank. The
`star_mode` setting is absolute, relative or auto: relative when more than half of the ranked
units would share one absolute band (they would not separate). No streamlit, no database here.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Literal, Protocol

Z90 = 1.6448536269514722
STAR_MODES: tuple[str, ...] = ("auto", "absolute", "relative")
RELATIVE_SHARES: tuple[tuple[float, int], ...] = ((0.10, 5), (0.30, 4), (0.70, 3), (0.90, 2), (1.0, 1))
Basis = Literal["absolute", "relative"]


def component_variance(s: float | None, n: int, k: float) -> float | None:
    """Variance of a component's Beta posterior with mean s after n cases and k pseudo-cases."""
    if s is None:
        return None
    s = min(1.0, max(0.0, s))
    return s * (1.0 - s) / (max(0, n) + max(0.0, k) + 1.0)


def score_band(
    components: Mapping[str, float | None],
    ns: Mapping[str, int],
    weights: Mapping[str, float],
    k: Mapping[str, float],
    z: float = Z90,
) -> tuple[float | None, float | None]:
    """(low, high) of the score's band: score ± z·sd, clipped to [0, 100]; (None, None) without a score.

    `k` is the pseudo-count of each component (0 where the unit has no parent value)."""
    present = {c: v for c, v in components.items() if v is not None and weights.get(c, 0) > 0}
    total = sum(weights[c] for c in present)
    if total <= 0:
        return None, None
    score = 100.0 * sum(weights[c] * v for c, v in present.items()) / total
    var = 0.0
    for c, v in present.items():
        w = weights[c] / total
        var += (100.0 * w) ** 2 * (component_variance(v, int(ns.get(c, 0)), float(k.get(c, 0.0))) or 0.0)
    half = z * math.sqrt(var)
    return max(0.0, score - half), min(100.0, score + half)


def overlap(a: tuple[float | None, float | None], b: tuple[float | None, float | None]) -> bool:
    """Whether two bands overlap (True when either is unknown: nothing is then established)."""
    if None in a or None in b:
        return True
    return not (a[1] < b[0] or b[1] < a[0])  # type: ignore[operator]


def absolute_stars(score: float | None, bands: Sequence[tuple[float, int]]) -> int | None:
    if score is None:
        return None
    for bound, n in bands:
        if score >= bound:
            return n
    return 1


def relative_stars(rank: int, of: int) -> int:
    """Stars by position: rank 1 … `of` (competition ranks), top 10 % five … last 10 % one."""
    position = (rank - 1) / max(1, of)
    for share, n in RELATIVE_SHARES:
        if position < share - 1e-12:
            return n
    return 1


class _Ranked(Protocol):
    score: float | None
    rank: int | None
    stars: int | None
    star_basis: str


def crowded(scores: Sequence[float], bands: Sequence[tuple[float, int]]) -> bool:
    """More than half of the scores in one absolute band."""
    if not scores:
        return False
    counts = Counter(absolute_stars(s, bands) for s in scores)
    return max(counts.values()) * 2 > len(scores)


def basis_for(mode: str, scores: Sequence[float], bands: Sequence[tuple[float, int]]) -> Basis:
    """The star basis a mode gives for these scores (auto: relative when the bands crowd)."""
    if mode not in STAR_MODES:
        raise ValueError(f"unknown star mode {mode!r}; choose one of {', '.join(STAR_MODES)}")
    if mode == "auto":
        return "relative" if crowded(scores, bands) else "absolute"
    return "relative" if mode == "relative" else "absolute"


def assign_stars(units: Sequence[_Ranked], mode: str, bands: Sequence[tuple[float, int]]) -> Basis:
    """Set stars and star_basis of the ranked units (others get none); returns the basis used."""
    ranked = [u for u in units if u.rank is not None and u.score is not None]
    basis = basis_for(mode, [u.score for u in ranked if u.score is not None], bands)
    for u in units:
        u.star_basis = basis
        if u.rank is None or u.score is None:
            u.stars = None
        elif basis == "relative":
            u.stars = relative_stars(u.rank, len(ranked))
        else:
            u.stars = absolute_stars(u.score, bands)
    return basis
