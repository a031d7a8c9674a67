"""Gray's (1988) K-sample test of equal cumulative incidence of one cause, as R's
``cmprsk::cuminc(time, status, group, strata, rho)$Tests`` (2.2.11; status 0 = censored,
1 and 2 the two causes).

Notation, per stratum, at each distinct time ``t`` and group ``k``: ``Y_k`` at risk, ``d1_k`` events of
the cause tested and ``d2_k`` of the other cause, ``S_k`` the group's all-cause Kaplan-Meier curve,
``F_k`` its Aalen-Johansen incidence of the cause, ``h_k = Y_k / S_k(t-)`` and the subdistribution
risk set ``R_k = h_k (1 - F_k(t-))``. Under H0 the common incidence is
``F0(t) = sum_{u <= t} d1.(u) / h.(u)`` (dots are sums over groups).

Score (Gray's eq. 2.2 with ``K_k = L R_k``)::

    z_k = sum_t L(t) [d1_k(t) - d1.(t) R_k(t) / R.(t)],   L(t) = (1 - F0(t-))^rho

Variance. Linearising each ``F_k`` (Aalen-Johansen influence) and integrating by parts writes
``z_k`` as a sum over groups ``r`` of integrals against the cause-1 and cause-2 martingales of group
``r``; the coefficient of a cause-1 event at ``t`` is ``A_kr(t) + z1_r(t) G_kr(t)`` and of a
cause-2 event ``z2_r(t) G_kr(t)``, where::

    A_kr(t)  = L(t) h_r(t) (delta_kr - h_k(t) / h.(t))
    G_kr(t)  = sum_{u > t} A_kr(u) dF0(u) / (1 - F0(u-))      (the future part of the integral)
    z1_r(t)  = 1 - (1 - F0(t)) / S_r(t)    (1 where S_r(t) = 0),   z2_r(t) = (1 - F0(t)) / S_r(t)

and, with every incidence at its H0 value ``F0``, the variance sums the squared coefficients
against the martingales' variance increments ``(S_r(t-) / Y_r)^2`` times the expected cause-1
count ``Y_r dF0 / S_r(t-)`` (tie factor ``1 - (d1. - 1) / (h. S_r(t-) - 1)``) and the observed
cause-2 count ``d2_r`` (tie factor ``1 - (d2_r - 1)/(Y_r - 1)``, the Greenwood-type factor of
cuminc's variance). Strata add their scores and variances. The statistic is
``z' V^- z`` on groups 1..K-1 (the rows of ``V`` sum to zero) with K - 1 degrees of freedom.

Without competing events this is close to, but not, the log-rank test: ``z1`` is not 0 (it is
``1 - (1 - F0(t)) / S_r(t)``, 0 only when the group's curve equals the pooled one). O(n log n) in
the number of subjects (one sort per stratum) and O(n K^2) in the number of groups.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

from ._errors import StatsError
from ._result import Result
from .competing import check_competing
from .survdiff import _codes

__all__ = ["GrayTest", "gray_test"]


@dataclass(frozen=True, eq=False)
class GrayTest(Result):
    """Gray's K-sample test of equal cumulative incidence of one cause.

    Attributes
    ----------
    stat, df, p : float, int, float
        Chi-square statistic, degrees of freedom (groups - 1) and upper-tail p.
    groups : tuple
        Sorted group values.
    cause : int
        The cause tested (1 or 2).
    rho : float
        Exponent of the weight ``(1 - F0(t-))^rho``.
    score : ndarray
        ``z_k`` of every group (they sum to 0).
    variance : ndarray
        Its K x K covariance.
    n_strata : int
    """

    stat: float
    df: int
    p: float
    groups: tuple[Any, ...]
    cause: int
    rho: float
    score: np.ndarray = field(repr=False)
    variance: np.ndarray = field(repr=False)
    n_strata: int


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b where b != 0, else 0."""
    nz = b != 0
    return np.where(nz, a / np.where(nz, b, 1.0), 0.0)


def _stratum(t: np.ndarray, s: np.ndarray, g: np.ndarray, k: int, cause: int,
             rho: float) -> tuple[np.ndarray, np.ndarray]:
    """Score (k,) and covariance (k, k) of one stratum."""
    uniq, inv = np.unique(t, return_inverse=True)
    m = uniq.shape[0]
    d1, d2, n = np.zeros((m, k)), np.zeros((m, k)), np.zeros((m, k))
    ev, other = s == cause, (s != 0) & (s != cause)
    np.add.at(d1, (inv[ev], g[ev]), 1.0)
    np.add.at(d2, (inv[other], g[other]), 1.0)
    np.add.at(n, (inv, g), 1.0)
    y = np.cumsum(n[::-1], axis=0)[::-1]                       # at risk just before each time
    surv = np.cumprod(1.0 - _safe_div(d1 + d2, y), axis=0)       # S_k(t)
    surv_m = np.vstack([np.ones((1, k)), surv[:-1]])             # S_k(t-)
    df_k = _safe_div(surv_m * d1, y)
    f_m = np.cumsum(df_k, axis=0) - df_k                         # F_k(t-)
    h = _safe_div(y, surv_m)
    h_tot = h.sum(axis=1)
    r = h * (1.0 - f_m)
    r_tot = r.sum(axis=1)
    d1_tot = d1.sum(axis=1)
    df0 = _safe_div(d1_tot, h_tot)
    f0 = np.cumsum(df0)
    f0_m = f0 - df0
    left = 1.0 - f0_m
    weight = np.ones(m) if rho == 0 else np.where(left > 0, np.where(left > 0, left, 1.0) ** rho, 0.0)
    score = (weight[:, None] * (d1 - d1_tot[:, None] * _safe_div(r, r_tot[:, None]))).sum(axis=0)

    p = _safe_div(h, h_tot[:, None])
    step = _safe_div(df0, 1.0 - f0_m)                           # dF0 / (1 - F0(t-))
    alive = surv > 0
    rest = np.where(alive, (1.0 - f0[:, None]) / np.where(alive, surv, 1.0), 0.0)
    z1 = np.where(alive, 1.0 - rest, 1.0)
    z2 = rest
    tie1 = np.where(d1_tot[:, None] > 1, 1.0 - _safe_div(d1_tot[:, None] - 1.0, h_tot[:, None] * surv_m - 1.0), 1.0)
    var1 = np.where(y > 0, tie1 * surv_m * _safe_div(df0[:, None], y), 0.0)
    tie2 = np.where(d2 > 1, 1.0 - _safe_div(d2 - 1.0, y - 1.0), 1.0)
    var2 = np.where(alive, tie2 * _safe_div(surv_m**2 * d2, y**2), 0.0)

    def coef(i: int) -> tuple[np.ndarray, np.ndarray]:
        # A_ir(t) for every r, and the sum of its future increments
        a = weight[:, None] * h * ((np.arange(k) == i)[None, :] - p[:, [i]])
        inc = a * step[:, None]
        fut = inc[::-1].cumsum(axis=0)[::-1] - inc
        return a + z1 * fut, z2 * fut

    rows = [coef(i) for i in range(k - 1)]
    var = np.zeros((k, k))
    for i in range(k - 1):
        for j in range(i + 1):
            v = float((rows[i][0] * rows[j][0] * var1).sum() + (rows[i][1] * rows[j][1] * var2).sum())
            var[i, j] = var[j, i] = v
    # the last group's row and column: the rows sum to zero
    var[k - 1, : k - 1] = var[: k - 1, k - 1] = -var[: k - 1, : k - 1].sum(axis=1)
    var[k - 1, k - 1] = var[: k - 1, : k - 1].sum()
    return score, var


def gray_test(
    time: Any,
    status: Any,
    group: Any,
    *,
    cause: int = 1,
    rho: float = 0.0,
    strata: Any = None,
) -> GrayTest:
    """Gray's test that the cumulative incidence of ``cause`` is the same in every group.

    Parameters
    ----------
    time : array-like
        Follow-up times (> 0).
    status : array-like
        0 = censored, 1 = event of interest, 2 = competing event (any other code is refused).
    group : array-like
        Group of each subject (at least two distinct values).
    cause : {1, 2}
        The cause whose incidence is compared.
    rho : float
        Weight ``(1 - F0(t-))^rho`` (0: Gray's test proper; > 0 weighs early differences more,
        as the G-rho family of log-rank tests; cuminc's ``rho``).
    strata : array-like, optional
        Stratum of each subject: scores and variances are computed within strata and added.

    Returns
    -------
    GrayTest

    Raises
    ------
    StatsError
        A status code other than 0/1/2, a non-positive time, fewer than two groups, a non-finite
        ``rho``, or no event of the cause.

    References
    ----------
    Gray RJ (1988). A class of K-sample tests for comparing the cumulative incidence of a competing
    risk. Ann Stat 16:1141-1154. R: ``cmprsk::cuminc(time, status, group, strata, rho)$Tests``.

    Examples
    --------
    >>> r = gray_test([1, 2, 3], [1, 1, 0], ["a", "a", "b"])
    >>> round(float(r.variance[0, 0]), 12) == round(77 / 162, 12)
    True
    >>> round(r.stat, 6)
    1.461039
    """
    if cause not in (1, 2):
        raise StatsError(f"cause must be 1 or 2, got {cause!r}")
    if isinstance(rho, bool) or not isinstance(rho, (int, float, np.integer, np.floating)) or not math.isfinite(rho):
        raise StatsError(f"rho must be a finite number, got {rho!r}")
    t, s = check_competing(time, status)
    levels, gi = _codes(group, t.shape[0], "group")
    k = levels.shape[0]
    if k < 2:
        raise StatsError(f"Gray's test needs at least two groups; found {k}")
    if not (s == cause).any():
        raise StatsError(f"Gray's test needs at least one event of cause {cause}; there is none")
    si = np.zeros(t.shape[0], dtype=np.int64) if strata is None else _codes(strata, t.shape[0], "strata")[1]
    n_strata = int(si.max()) + 1
    score, var = np.zeros(k), np.zeros((k, k))
    for j in range(n_strata):  # as logrank: scores and variances add over strata
        m = si == j
        sc, v = _stratum(t[m], s[m], gi[m], k, cause, float(rho))
        score, var = score + sc, var + v
    sub, zs = var[:-1, :-1], score[:-1]
    rank = int(np.linalg.matrix_rank(sub))
    if rank == 0:
        raise StatsError("Gray's test is undefined: the score has zero variance")
    stat = float(zs @ np.linalg.pinv(sub) @ zs) if rank < k - 1 else float(zs @ np.linalg.solve(sub, zs))
    return GrayTest(stat=stat, df=rank, p=float(special.chdtrc(rank, stat)),
                    groups=tuple(v.item() if hasattr(v, "item") else v for v in levels), cause=int(cause),
                    rho=float(rho), score=score, variance=var, n_strata=int(n_strata))
