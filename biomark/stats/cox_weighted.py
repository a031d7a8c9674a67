"""Cox regression with case weights, with the model-based and the robust (sandwich) SE, as R's
``coxph(Surv(time, event) ~ x, weights = w)`` (survival 3.5.3).

Weighted Efron (as survival's coxfit6): risk-set sums use ``w_j r_j``; at an event time with ``d``
deaths of mean weight ``wbar``, each of the ``d`` Efron terms enters the log-likelihood, score and
information multiplied by ``wbar``::

    loglik = sum_deaths w_i x_i'beta - sum_l wbar log(S0 - (l/d) A0)

(Breslow: no ``l/d``). For non-integer weights R reports the robust variance by default
(``fit$var``; ``fit$naive.var`` is the inverse information): both are returned, the robust one as
``se``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from scipy import stats as _st

from ._errors import MonotoneLikelihoodError, StatsError
from ._surv_cox import CoxData
from ._surv_utils import as_float_1d, check_time_event
from .cox_robust import RobustCoxResult, _cluster_sum
from .coxph import _design, newton

__all__ = ["cox_weighted"]


class _WeightedCoxData(CoxData):
    """CoxData with case weights (only ``evaluate`` without ``gtime`` and the score residuals)."""

    def __init__(self, time: np.ndarray, event: np.ndarray, x: np.ndarray, efron: bool, w: np.ndarray) -> None:
        super().__init__(time, event, x, efron)
        self.w = w[self.order]
        wd = self.w[self.death_idx]
        self.wbar = np.bincount(self.dgrp, weights=wd) / self.d  # mean death weight per event time
        self.wt = self.wbar[self.dgrp]  # the weight of each Efron term
        self.xd_sum = (self.xd * wd[:, None]).sum(axis=0)
        self.wd = wd

    def _terms(self, beta: np.ndarray) -> tuple:
        x, g, di = self.x, self.dgrp, self.death_idx
        eta = x @ beta
        c = float(eta.max())
        r = np.exp(eta - c)
        rw = r * self.w
        s0 = self._rev_at_first(rw)
        s1 = self._rev_at_first(rw[:, None] * x)
        a0 = np.add.reduceat(rw[di], self.gstart)
        a1 = np.add.reduceat(rw[di][:, None] * x[di], self.gstart, axis=0)
        den = s0[g] - self.f * a0[g]
        m = (s1[g] - self.f[:, None] * a1[g]) / den[:, None]
        return eta, c, r, rw, den, m

    def evaluate(self, beta: np.ndarray, *, gtime: np.ndarray | None = None) -> dict:
        if gtime is not None:  # pragma: no cover - not offered
            raise StatsError("the proportional-hazards test is not available with case weights")
        eta, c, r, rw, den, m = self._terms(beta)
        g, wt = self.dgrp, self.wt
        loglik = float(self.wd @ (eta[self.death_idx] - c) - wt @ np.log(den))
        score = self.xd_sum - (wt[:, None] * m).sum(axis=0)
        h0 = np.bincount(g, weights=wt / den, minlength=self.n_groups)
        h1 = np.bincount(g, weights=wt * self.f / den, minlength=self.n_groups)
        info = self._gram(rw, h0) - self._gram_deaths(rw[self.death_idx], h1) - (m * wt[:, None]).T @ m
        return {"loglik": loglik, "score": score, "info": info}

    def residuals(self, beta: np.ndarray) -> np.ndarray:
        """Weighted score residuals times the case weight (sorted order): rows sum to the score."""
        _, _, r, _, den, m = self._terms(beta)
        x, g, di, ng, wt, f = self.x, self.dgrp, self.death_idx, self.n_groups, self.wt, self.f

        def per_group(v: np.ndarray) -> np.ndarray:
            return np.vstack([np.bincount(g, weights=v * m[:, j], minlength=ng) for j in range(self.p)]).T

        acc0 = np.zeros(self.n)
        acc0[self.first] = np.bincount(g, weights=wt / den, minlength=ng)
        accm = np.zeros((self.n, self.p))
        accm[self.first] = per_group(wt / den)
        resid = -r[:, None] * (x * np.cumsum(acc0)[:, None] - np.cumsum(accm, axis=0))
        f0 = np.bincount(g, weights=wt * f / den, minlength=ng)
        mbar = per_group(np.ones_like(den)) / self.d[:, None]
        resid[di] += (x[di] - mbar[g]) + r[di][:, None] * (x[di] * f0[g][:, None] - per_group(wt * f / den)[g])
        return resid * self.w[:, None]


def _weights(weights: Any, n: int) -> np.ndarray:
    w = as_float_1d(weights, "weights")
    if w.shape[0] != n:
        raise StatsError(f"weights has length {w.shape[0]} but time has length {n}")
    if (w <= 0).any():
        i = int(np.flatnonzero(w <= 0)[0])
        raise StatsError(f"weights must be > 0 for a Cox fit; found {int((w <= 0).sum())} value(s) <= 0 (first at position {i})")
    return w


def cox_weighted(
    time: Any,
    event: Any,
    covariates: Any,
    weights: Any,
    *,
    cluster: Any = None,
    ties: Literal["efron", "breslow"] = "efron",
    ci: float = 0.95,
) -> RobustCoxResult:
    """Cox regression with case weights; robust (sandwich) SE, optionally by cluster.

    Parameters
    ----------
    time, event, covariates
        As in :func:`biomark.stats.cox`.
    weights : array-like
        Positive, finite case weights (e.g. inverse-probability weights).
    cluster : array-like, optional
        As in :func:`biomark.stats.cox_robust`.
    ties : {"efron", "breslow"}
    ci : float

    Returns
    -------
    RobustCoxResult
        ``se`` is the robust SE (R's ``fit$var`` for non-integer weights), ``naive_se`` the
        inverse-information one (``fit$naive.var``).

    References
    ----------
    Binder DA (1992). Fitting Cox's proportional hazards models from survey data. Biometrika
    79:139-147; Therneau TM, Grambsch PM (2000), sec. 7.2. R: ``coxph(Surv(time, event) ~ x,
    weights = w[, cluster = id])``.

    Examples
    --------
    >>> fit = cox_weighted([5, 8, 3, 9, 12, 2, 7, 4], [1, 1, 0, 1, 0, 1, 1, 1],
    ...                    {"age": [60, 50, 70, 65, 40, 55, 58, 48]}, [1, 1, 1, 1, 1, 1, 1, 1])
    >>> round(float(fit.coef[0]), 4)
    0.0263
    """
    if ties not in ("efron", "breslow"):
        raise StatsError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    if not 0 < ci < 1:
        raise StatsError(f"ci must be in (0, 1), got {ci!r}")
    t, e = check_time_event(time, event)
    x, names = _design(covariates, t.shape[0])
    w = _weights(weights, t.shape[0])
    data = _WeightedCoxData(t, e, x, ties == "efron", w)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        res = newton(data)
    if res.monotone is not None:
        j = res.monotone
        raise MonotoneLikelihoodError(f"monotone likelihood for covariate {names[j]!r}: no finite hazard ratio exists; "
                                      "use biomark.stats.cox_firth", term=j, sign=1 if res.beta[j] > 0 else -1)
    beta = res.beta
    naive = np.linalg.inv(res.fit["info"])
    dfb, k = _cluster_sum(data.residuals(beta) @ naive, cluster, data.order, t.shape[0])
    vcov = dfb.T @ dfb
    se = np.sqrt(np.diag(vcov))
    u0, _ = _cluster_sum(data.residuals(np.zeros(data.p)), cluster, data.order, t.shape[0])
    s0 = u0.sum(axis=0)
    rscore = float(s0 @ np.linalg.solve(u0.T @ u0, s0))
    q = float(_st.norm.ppf(0.5 + ci / 2.0))
    return RobustCoxResult(
        terms=names, coef=beta, se=se, naive_se=np.sqrt(np.diag(naive)), z=beta / se,
        p=2.0 * _st.norm.sf(np.abs(beta / se)), hr=np.exp(beta), hr_ci_low=np.exp(beta - q * se),
        hr_ci_high=np.exp(beta + q * se), vcov=vcov, robust_score=rscore, n_clusters=k,
        n=int(t.shape[0]), n_events=int(e.sum()), ties=ties, ci=ci,
    )
