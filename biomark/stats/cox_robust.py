"""Robust (sandwich) standard errors of a Cox model, optionally clustered (repeated samples of one
patient), as R's ``coxph(..., robust = TRUE)`` / ``coxph(..., cluster = id)`` (survival 3.5.3).

The robust variance is ``D' D`` with ``D`` the dfbeta residuals (score residuals times the inverse
information), summed within clusters first (Lin & Wei 1989). The score residual of subject i under
Efron's ties (Therneau & Grambsch 2000, sec. 4.6; Breslow: f = 0)::

    L_i = sum_{deaths k of i} (x_i - mbar_g(k)) - r_i sum_{k: i at risk} c_ik (x_i - m_k) / den_k

over the Efron terms k = (event time g, l = 0..d_g - 1) with ``den_k = S0_g - f_k A0_g``,
``m_k = (S1_g - f_k A1_g) / den_k``, ``f_k = l / d_g``, ``mbar_g`` the mean of the ``m_k`` of
g, and ``c_ik = 1 - f_k`` when i dies at g, 1 otherwise. All sums are cumulative sums over the
time-sorted data: O(n p) after the fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats as _st

from ._errors import StatsError
from ._result import Result
from ._surv_cox import CoxData
from ._surv_utils import check_time_event
from .coxph import _design, _fit_beta
from .survdiff import _codes

__all__ = ["RobustCoxResult", "cox_robust", "score_residuals"]


def score_residuals(data: CoxData, beta: np.ndarray) -> np.ndarray:
    """Score residuals (n x p) in the time-sorted order of ``data`` (``residuals(fit, "score")``).

    Parameters
    ----------
    data : CoxData
        The sorted design (:class:`biomark.stats._surv_cox.CoxData`).
    beta : ndarray
        Coefficients at which to evaluate.

    Returns
    -------
    ndarray
        One row per observation in ``data``'s sorted order; the columns sum to the score vector.

    Examples
    --------
    >>> import numpy as np
    >>> from biomark.stats._surv_cox import CoxData
    >>> data = CoxData(np.array([5.0, 8, 3, 9, 2]), np.array([1, 1, 0, 1, 1]), np.array([[1.0], [0], [1], [0], [1]]), True)
    >>> bool(np.allclose(score_residuals(data, np.zeros(1)).sum(axis=0), data.evaluate(np.zeros(1))["score"]))
    True
    """
    x, g, di = data.x, data.dgrp, data.death_idx
    eta = x @ beta
    r = np.exp(eta - eta.max())
    s0 = data._rev_at_first(r)
    s1 = data._rev_at_first(r[:, None] * x)
    rd = r[di]
    a0 = np.add.reduceat(rd, data.gstart)
    a1 = np.add.reduceat(r[di][:, None] * x[di], data.gstart, axis=0)
    f = data.f
    den = s0[g] - f * a0[g]
    m = (s1[g] - f[:, None] * a1[g]) / den[:, None]
    ng = data.n_groups

    def per_group(wts: np.ndarray) -> np.ndarray:
        return np.vstack([np.bincount(g, weights=wts * m[:, j], minlength=ng) for j in range(data.p)]).T

    h0 = np.bincount(g, weights=1.0 / den, minlength=ng)
    hm = per_group(1.0 / den)
    f0 = np.bincount(g, weights=f / den, minlength=ng)
    fm = per_group(f / den)
    mbar = per_group(np.ones_like(den)) / data.d[:, None]
    # cumulative over the groups whose risk set contains i (first_g <= i)
    acc0 = np.zeros(data.n)
    acc0[data.first] = h0
    accm = np.zeros((data.n, data.p))
    accm[data.first] = hm
    ch0, chm = np.cumsum(acc0), np.cumsum(accm, axis=0)
    resid = -r[:, None] * (x * ch0[:, None] - chm)
    resid[di] += (x[di] - mbar[g]) + rd[:, None] * (x[di] * f0[g][:, None] - fm[g])
    return resid


@dataclass(frozen=True, eq=False)
class RobustCoxResult(Result):
    """Cox fit with robust (sandwich) SEs.

    Attributes
    ----------
    terms : tuple of str
    coef : ndarray
    se : ndarray
        Robust SE (``sqrt(diag(fit$var))`` of a robust coxph fit); z, p and the HR CI use it.
    naive_se : ndarray
        Model-based SE (``fit$naive.var``).
    z, p, hr, hr_ci_low, hr_ci_high : ndarray
    vcov : ndarray
        Robust covariance ``D' D``.
    robust_score : float
        The robust score test of all coefficients = 0 (``fit$rscore``).
    n_clusters : int
    n, n_events : int
    ties : str
    ci : float
    """

    terms: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray
    naive_se: np.ndarray
    z: np.ndarray
    p: np.ndarray
    hr: np.ndarray
    hr_ci_low: np.ndarray
    hr_ci_high: np.ndarray
    vcov: np.ndarray
    robust_score: float
    n_clusters: int
    n: int
    n_events: int
    ties: str
    ci: float


def _cluster_sum(dfb: np.ndarray, cluster: Any, order: np.ndarray, n: int) -> tuple[np.ndarray, int]:
    """dfbeta rows (input order) summed within clusters; each subject its own cluster without one."""
    rows = np.empty_like(dfb)
    rows[order] = dfb
    if cluster is None:
        return rows, n
    _, ci = _codes(cluster, n, "cluster")
    k = int(ci.max()) + 1
    out = np.zeros((k, dfb.shape[1]))
    np.add.at(out, ci, rows)
    return out, k


def cox_robust(
    time: Any,
    event: Any,
    covariates: Any,
    *,
    cluster: Any = None,
    ties: Literal["efron", "breslow"] = "efron",
    ci: float = 0.95,
) -> RobustCoxResult:
    """Cox regression with the robust (Lin-Wei sandwich) variance, optionally by cluster.

    Parameters
    ----------
    time, event, covariates
        As in :func:`biomark.stats.cox`.
    cluster : array-like, optional
        Cluster of each row (e.g. the patient of repeated samples); the dfbeta residuals are summed
        within a cluster before the sandwich. Without it every row is its own cluster
        (``robust = TRUE``).
    ties : {"efron", "breslow"}
    ci : float

    Returns
    -------
    RobustCoxResult

    References
    ----------
    Lin DY, Wei LJ (1989). The robust inference for the Cox proportional hazards model. JASA
    84:1074-1078; Therneau TM, Grambsch PM (2000). Modeling Survival Data, sec. 7.2. R:
    ``coxph(Surv(time, event) ~ x, robust = TRUE)`` and ``coxph(..., cluster = id)``.

    Examples
    --------
    >>> fit = cox_robust([5, 8, 3, 9, 12, 2, 7, 4], [1, 1, 0, 1, 0, 1, 1, 1],
    ...                  {"age": [60, 50, 70, 65, 40, 55, 58, 48]})
    >>> round(float(fit.coef[0]), 4), bool(fit.se[0] > 0)
    (0.0263, True)
    """
    if ties not in ("efron", "breslow"):
        raise StatsError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    if not 0 < ci < 1:
        raise StatsError(f"ci must be in (0, 1), got {ci!r}")
    t, e = check_time_event(time, event)
    x, names = _design(covariates, t.shape[0])
    res, data = _fit_beta(t, e, x, names, ties)
    naive = np.linalg.inv(res.fit["info"])
    dfb, k = _cluster_sum(score_residuals(data, res.beta) @ naive, cluster, data.order, t.shape[0])
    vcov = dfb.T @ dfb
    se = np.sqrt(np.diag(vcov))
    # robust score test at beta = 0: residuals at 0, summed by cluster
    u0, _ = _cluster_sum(score_residuals(data, np.zeros(data.p)), cluster, data.order, t.shape[0])
    score0 = u0.sum(axis=0)
    try:
        rscore = float(score0 @ np.linalg.solve(u0.T @ u0, score0))
    except np.linalg.LinAlgError:  # pragma: no cover
        rscore = float("nan")
    q = float(_st.norm.ppf(0.5 + ci / 2.0))
    beta = res.beta
    return RobustCoxResult(
        terms=names, coef=beta, se=se, naive_se=np.sqrt(np.diag(naive)), z=beta / se,
        p=2.0 * _st.norm.sf(np.abs(beta / se)), hr=np.exp(beta), hr_ci_low=np.exp(beta - q * se),
        hr_ci_high=np.exp(beta + q * se), vcov=vcov, robust_score=rscore, n_clusters=k,
        n=int(t.shape[0]), n_events=int(e.sum()), ties=ties, ci=ci,
    )
