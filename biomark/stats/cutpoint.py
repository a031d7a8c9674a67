"""Optimal cut-point of a continuous score by the maximally selected log-rank statistic."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as _st

from ._errors import StatsError
from ._result import Result
from ._surv_utils import check_survival

__all__ = ["CutpointResult", "optimal_cutpoint", "logrank_scores"]


@dataclass(frozen=True, eq=False)
class CutpointResult(Result):
    """Maximally selected log-rank statistic (``maxstat.test(..., smethod = "LogRank")``).

    Attributes
    ----------
    cutpoint : float
        Largest score value of the low group (``score <= cutpoint`` vs ``score > cutpoint``).
    statistic : float
        Maximum over candidate cut-points of the absolute standardised log-rank statistic.
    p : float
        Lausen-Schumacher (1992) adjusted p-value (maxstat ``pmethod = "Lau92"``), which
        accounts for the search over cut-points.
    p_naive : float
        The two-sided normal p-value of ``statistic`` as if the cut-point had been fixed in
        advance. It is far too small; it is reported so the two can be compared.
    n_low, n_high : int
        Group sizes at the selected cut-point.
    candidates, statistics : numpy.ndarray
        Every candidate cut-point inside ``[minprop, maxprop]`` and its statistic.
    minprop, maxprop : float
    """

    cutpoint: float
    statistic: float
    p: float
    p_naive: float
    n_low: int
    n_high: int
    candidates: np.ndarray
    statistics: np.ndarray
    minprop: float
    maxprop: float


def logrank_scores(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """Log-rank (Savage) scores ``a_i = event_i - sum_{j : r_j <= r_i} event_j / (N - r_j + 1)``.

    ``r`` ranks the times with tied times sharing their largest rank (so tied observations get
    the same score), as ``exactRankTests::cscores(Surv, type = "LogRank")`` used by maxstat.

    Examples
    --------
    >>> import numpy as np
    >>> logrank_scores(np.array([1.0, 2.0, 2.0, 3.0]), np.array([1.0, 1.0, 0.0, 1.0])).tolist()
    [0.75, 0.25, -0.75, -0.75]
    """
    n = time.shape[0]
    order = np.argsort(time, kind="stable")
    rank = _st.rankdata(time, method="max").astype(np.int64)
    fact = event / (n - rank + 1.0)
    csum = np.cumsum(fact[order])
    return event - csum[rank - 1]


def _p_lausen92(b: float, minprop: float, maxprop: float) -> float:
    """Lausen & Schumacher (1992) approximation, as ``maxstat:::pLausen92`` (capped at 1)."""
    if b < 1:
        return 1.0
    db = _st.norm.pdf(b)
    p = 4.0 * db / b + db * (b - 1.0 / b) * math.log(
        (maxprop * (1.0 - minprop)) / ((1.0 - maxprop) * minprop)
    )
    return float(min(1.0, max(p, 0.0)))


def _candidates(xs: np.ndarray, minprop: float, maxprop: float) -> np.ndarray:
    """Low-group sizes m at each distinct sorted score value (except the largest) within the bounds."""
    n = xs.shape[0]
    m = np.flatnonzero(np.append(xs[1:] != xs[:-1], True)) + 1
    m = m[(m >= max(1, math.floor(n * minprop))) & (m <= math.floor(n * maxprop)) & (m < n)]
    if m.size == 0:
        raise StatsError(
            f"no cut-point leaves between {minprop:.0%} and {maxprop:.0%} of the observations "
            "in the low group (too few distinct score values)"
        )
    return m


def optimal_cutpoint(
    time: Any,
    event: Any,
    score: Any,
    *,
    minprop: float = 0.1,
    maxprop: float = 0.9,
) -> CutpointResult:
    r"""Maximally selected log-rank statistic with the Lausen-Schumacher (1992) p-value.

    With log-rank scores ``a`` (see :func:`logrank_scores`) sorted by ``score`` and ``m`` the
    size of the low group at each distinct score value with
    ``max(1, floor(N minprop)) <= m <= floor(N maxprop)``::

        S_m = sum_{i <= m} a_i,  E_m = m/N sum a,
        V_m = m (N - m) / (N^2 (N - 1)) (N sum a^2 - (sum a)^2),
        M = max_m |S_m - E_m| / sqrt(V_m)

    (Hothorn & Lausen 2003, the ``smethod = "LogRank"`` statistic of R's maxstat). The
    adjusted p-value is Lausen & Schumacher's (1992, Biometrics 48:73) approximation
    ``4 phi(M)/M + phi(M) (M - 1/M) log(maxprop (1 - minprop) / ((1 - maxprop) minprop))``
    (1 when M < 1), as ``pmethod = "Lau92"``; ``p_naive = 2 (1 - Phi(M))``.

    Parameters
    ----------
    time, event : array-like
        Survival data (time > 0, event 0/1).
    score : array-like
        Continuous marker or panel score.
    minprop, maxprop : float
        Smallest and largest fraction of observations in the low group; the defaults 0.1 and 0.9
        are maxstat's (``maxprop`` is not derived from ``minprop``: pass both to narrow the search).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> score = rng.normal(size=100)
    >>> time = rng.exponential(np.where(score > 0.5, 1.0, 3.0))
    >>> res = optimal_cutpoint(time, np.ones(100), score)
    >>> round(res.cutpoint, 3), round(res.statistic, 3), res.p < 0.05, (res.minprop, res.maxprop)
    (0.547, 3.266, True, (0.1, 0.9))
    """
    t, e, x = check_survival(time, event, score, "score")
    n = t.shape[0]
    if not (0 < minprop < maxprop < 1):
        raise StatsError(
            f"need 0 < minprop < maxprop < 1, got minprop={minprop!r}, maxprop={maxprop!r}"
        )
    if n < 3:
        raise StatsError("at least 3 observations are needed to search for a cut-point")
    a = logrank_scores(t, e.astype(np.float64))
    order = np.argsort(x, kind="stable")
    xs = x[order]
    ys = a[order]
    m = _candidates(xs, minprop, maxprop)
    ss = ys.sum()
    e_m = m / n * ss
    v_m = m * (n - m) / (n**2 * (n - 1.0)) * (n * np.sum(ys**2) - ss**2)
    if not np.all(v_m > 0):
        raise StatsError("the log-rank scores have zero variance (all scores identical)")
    stat = np.abs((np.cumsum(ys)[m - 1] - e_m) / np.sqrt(v_m))
    best = int(np.argmax(stat))
    b = float(stat[best])
    return CutpointResult(cutpoint=float(xs[m[best] - 1]), statistic=b, p=_p_lausen92(b, minprop, maxprop),
                          p_naive=float(2.0 * _st.norm.sf(b)), n_low=int(m[best]), n_high=int(n - m[best]),
                          candidates=xs[m - 1], statistics=stat, minprop=float(minprop), maxprop=float(maxprop))
