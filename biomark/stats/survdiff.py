"""k-sample, stratified and trend log-rank tests, as R ``survival::survdiff`` (3.5.3)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as _st

from ._errors import StatsError
from ._result import Result
from ._surv_utils import as_float_1d, check_time_event

__all__ = ["LogrankResult", "logrank"]


@dataclass(frozen=True, eq=False)
class LogrankResult(Result):
    """k-sample log-rank test (``survdiff``), optionally stratified or for trend."""

    chisq: float
    df: int
    p: float
    groups: tuple[Any, ...]
    n: np.ndarray
    observed: np.ndarray
    expected: np.ndarray
    variance: np.ndarray
    trend: bool
    n_strata: int


def _codes(values: Any, n: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of a grouping variable and each observation's index into them."""
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise StatsError(f"{name} must be 1-D with length {n}, got shape {arr.shape}")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise StatsError(f"{name} contains missing values")
    if arr.dtype == object and any(v is None or (isinstance(v, float) and math.isnan(v)) for v in arr):
        raise StatsError(f"{name} contains missing values")
    levels, idx = np.unique(arr, return_inverse=True)
    return levels, idx.reshape(-1)


def _o_e_v(t: np.ndarray, e: np.ndarray, gi: np.ndarray, k: int, rho: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed and expected events per group and their covariance, in one stratum; with ``rho`` each
    event time is weighted by ``S(t-)^rho``, S the Kaplan-Meier curve of the stratum pooled (G-rho)."""
    uniq, tinv = np.unique(t, return_inverse=True)
    tinv = tinv.reshape(-1)
    at = np.zeros((uniq.shape[0], k))
    np.add.at(at, (tinv, gi), 1.0)
    dt = np.zeros((uniq.shape[0], k))
    np.add.at(dt, (tinv[e == 1], gi[e == 1]), 1.0)
    n_risk_g = np.cumsum(at[::-1], axis=0)[::-1]
    keep = dt.sum(axis=1) > 0
    nr, dd = n_risk_g[keep], dt[keep]
    n_tot, d_tot = nr.sum(axis=1), dd.sum(axis=1)
    w = np.ones_like(n_tot)
    if rho != 0.0:
        s_after = np.cumprod(1.0 - d_tot / n_tot)
        w = np.concatenate(([1.0], s_after[:-1])) ** rho
    expected = (nr * (w * d_tot / n_tot)[:, None]).sum(axis=0)
    fac = w * w * np.where(n_tot > 1, d_tot * (n_tot - d_tot) / np.maximum(n_tot - 1, 1), 0.0)
    frac = nr / n_tot[:, None]
    var = np.diag((fac[:, None] * frac).sum(axis=0)) - (frac * fac[:, None]).T @ frac
    return (w[:, None] * dd).sum(axis=0), expected, var


def _o_e_v_weighted(t: np.ndarray, e: np.ndarray, gi: np.ndarray, k: int,
                    w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Case-weighted O, E and the Breslow score-test covariance in one stratum: at each event time
    ``E_g += D N_g / N`` and ``V_gh += D (N_g / N)(delta_gh - N_h / N)`` with weighted N, N_g, D."""
    uniq, tinv = np.unique(t, return_inverse=True)
    tinv = tinv.reshape(-1)
    at = np.zeros((uniq.shape[0], k))
    np.add.at(at, (tinv, gi), w)
    dt = np.zeros((uniq.shape[0], k))
    np.add.at(dt, (tinv[e == 1], gi[e == 1]), w[e == 1])
    n_risk_g = np.cumsum(at[::-1], axis=0)[::-1]
    keep = (dt.sum(axis=1) > 0) & (n_risk_g.sum(axis=1) > 0)
    nr, dd = n_risk_g[keep], dt[keep]
    n_tot, d_tot = nr.sum(axis=1), dd.sum(axis=1)
    frac = nr / n_tot[:, None]
    expected = (frac * d_tot[:, None]).sum(axis=0)
    var = np.diag((d_tot[:, None] * frac).sum(axis=0)) - (frac * d_tot[:, None]).T @ frac
    return dd.sum(axis=0), expected, var


def _check_weighted(w: np.ndarray, e: np.ndarray, gi: np.ndarray, levels: np.ndarray) -> None:
    """A weighted log-rank needs an event of positive weight and positive total weight in every group."""
    if not (w * e).sum() > 0:
        raise StatsError("every event has weight 0: the weighted log-rank has no events to compare; "
                         "give the events positive weights")
    empty = [v.item() if hasattr(v, "item") else v for v in levels[np.bincount(gi, weights=w, minlength=len(levels)) <= 0]]
    if empty:
        raise StatsError(f"group(s) {empty} have total weight 0 and cannot be compared; give them positive "
                         "weights or leave them out")


def _robust_var(t: np.ndarray, e: np.ndarray, gi: np.ndarray, k: int, w: np.ndarray, cluster: Any) -> np.ndarray:
    """Robust covariance of O - E: ``D'D`` with D the weighted Breslow score residuals at beta = 0 of the k
    group indicators, summed within clusters (the robust score test of ``coxph(..., weights = w)``)."""
    from .cox_robust import _cluster_sum
    from .cox_weighted import _WeightedCoxData

    keep = w > 0  # a row of weight 0 adds nothing to the risk sets or the residuals
    cl = None if cluster is None else np.asarray(cluster)[keep]
    data = _WeightedCoxData(t[keep], e[keep].astype(np.float64), np.eye(k)[gi[keep]], False, w[keep])
    with np.errstate(divide="ignore", invalid="ignore"):
        res = data.residuals(np.zeros(k))
    dmat, _ = _cluster_sum(res, cl, data.order, int(keep.sum()))
    return dmat.T @ dmat


def _trend_scores(scores: Sequence[float] | None, levels: np.ndarray) -> np.ndarray:
    k = levels.shape[0]
    if scores is not None:
        sc = as_float_1d(scores, "scores")
        if sc.shape[0] != k:
            raise StatsError(f"scores must have one value per group ({k}), got {sc.shape[0]}")
        return sc
    if np.issubdtype(levels.dtype, np.number):
        return levels.astype(np.float64)
    return np.arange(1.0, k + 1.0)


def _chisq(diff: np.ndarray, var: np.ndarray, expected: np.ndarray, sc: np.ndarray | None) -> tuple[float, int]:
    """``(O - E)' V^- (O - E)`` on groups 2..k, or the 1-df trend statistic for scores ``sc``."""
    if sc is not None:
        denom = float(sc @ var @ sc)
        if denom <= 0:
            raise StatsError("trend test undefined: zero variance of the score statistic")
        return float((sc @ diff) ** 2 / denom), 1
    sub, dsub = var[1:, 1:], diff[1:]
    try:
        chisq = float(dsub @ np.linalg.solve(sub, dsub))
    except np.linalg.LinAlgError:
        chisq = float(dsub @ np.linalg.pinv(sub) @ dsub)
    return chisq, int((expected > 0).sum()) - 1


def logrank(
    time: Any,
    event: Any,
    group: Any,
    *,
    strata: Any = None,
    trend: bool = False,
    scores: Sequence[float] | None = None,
    rho: float = 0.0,
    weights: Any = None,
    robust: bool = False,
    cluster: Any = None,
) -> LogrankResult:
    r"""Log-rank test for k groups, as ``survival::survdiff(Surv(time, event) ~ group)``.

    At each distinct event time ``t`` with ``d`` events among ``n`` at risk (``n_g`` in group
    g): ``E_g = sum_t n_g d / n`` and
    ``V_gh = sum_t d (n - d)/(n - 1) * (n_g/n) (delta_gh - n_h/n)``. The statistic is
    ``(O - E)' V^- (O - E)`` on k - 1 groups (the first level dropped), df = (number of groups
    with ``E > 0``) - 1. With ``strata``, ``O``, ``E`` and ``V`` are summed over strata
    (``survdiff(... + strata(s))``). With ``trend=True`` the 1-df test for trend is
    ``(s'(O - E))^2 / (s' V s)`` with scores ``s`` (``scores``; by default the numeric group
    values, or 1..k for non-numeric groups in sorted order). Groups are the sorted distinct
    values of ``group``.

    ``rho`` gives the G-rho family of Harrington & Fleming (1982), as ``survdiff(rho = )``: every
    event time is weighted by ``S(t-)^rho`` with S the Kaplan-Meier estimate of the pooled stratum
    (O and E are weighted by w, V by w^2). ``rho = 0`` is the log-rank test; ``rho = 1`` the
    Peto-Peto modification of the Gehan-Wilcoxon test, which weights early differences more.
    The reported ``observed`` and ``expected`` are then the weighted sums, as survdiff prints them.

    With case ``weights`` (finite, >= 0; survdiff has none) ``n_g``, ``n`` and ``d`` are sums of
    weights and the covariance is that of the score test of a weighted Cox model with Breslow ties and
    one indicator per group 2..k, ``V_gh = sum_t d (n_g/n)(delta_gh - n_h/n)``: the test equals
    ``summary(coxph(Surv(time, event) ~ factor(group) [+ strata(s)], weights = w, ties =
    "breslow"))$sctest`` (and, for ``trend``, the same with the numeric score as the covariate). It has
    no ``d (n - d)/(n - 1)`` hypergeometric factor, so with unit weights and tied times it is slightly
    smaller than survdiff's statistic (equal without ties). ``rho`` must then be 0. That variance
    treats the weights as frequencies (the statistic doubles when they do); for sampling or
    inverse-probability weights pass ``robust=True``: ``variance`` is then ``D'D`` with D the weighted
    score residuals of the group indicators at beta = 0, summed within ``cluster`` if given, and the
    test is coxph's robust score test (``summary(fit)$robscore``; not with ``strata``).

    Examples
    --------
    >>> r = logrank([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], ["a", "a", "a", "b", "b", "b"])
    >>> r.groups, r.df, round(r.chisq, 4)
    (('a', 'b'), 1, 5.0517)
    """
    t, e = check_time_event(time, event)
    n = t.shape[0]
    if not (isinstance(rho, (int, float)) and math.isfinite(rho) and rho >= 0):
        raise StatsError(f"rho must be a finite number >= 0 (0 = log-rank, 1 = Peto-Peto), got {rho!r}")
    wts = None
    if (robust or cluster is not None) and weights is None:
        weights = np.ones(n)
    if cluster is not None and not robust:
        raise StatsError("cluster= is used by the robust variance only; pass robust=True with it")
    if robust and strata is not None:
        raise StatsError("the robust weighted log-rank is not available with strata; leave out strata or robust")
    if weights is not None:
        from .km import _weights
        wts = _weights(weights, n)
        if rho != 0:
            raise StatsError("rho must be 0 with case weights (the weighted test is the Cox score test); "
                             "leave out rho or weights")
    levels, gi = _codes(group, n, "group")
    k = levels.shape[0]
    if k < 2:
        raise StatsError(f"log-rank test needs at least 2 groups, found {k}")
    if wts is not None:
        _check_weighted(wts, e, gi, levels)
    s_idx = np.zeros(n, dtype=np.int64) if strata is None else _codes(strata, n, "strata")[1]
    n_strata = int(s_idx.max()) + 1
    obs, exp_, var = np.zeros(k), np.zeros(k), np.zeros((k, k))
    for s in range(n_strata):
        m = s_idx == s
        o_s, e_s, v_s = (_o_e_v(t[m], e[m], gi[m], k, float(rho)) if wts is None
                         else _o_e_v_weighted(t[m], e[m], gi[m], k, wts[m]))
        obs, exp_, var = obs + o_s, exp_ + e_s, var + v_s
    if robust:
        var = _robust_var(t, e, gi, k, wts, cluster)
    chisq, df = _chisq(obs - exp_, var, exp_, _trend_scores(scores, levels) if trend else None)
    return LogrankResult(
        chisq=chisq,
        df=df,
        p=float(_st.chi2.sf(chisq, df)),
        groups=tuple(v.item() if hasattr(v, "item") else v for v in levels),
        n=np.bincount(gi, minlength=k),
        observed=obs,
        expected=exp_,
        variance=var,
        trend=trend,
        n_strata=n_strata,
    )
