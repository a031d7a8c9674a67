"""Fine-Gray proportional subdistribution hazards regression for a competing-risks endpoint, as R's
``coxph(Surv(fgstart, fgstop, fgstatus) ~ x, weights = fgwt, data = finegray(...))`` (survival 3.5.3).

The risk set of the event of interest at time t holds everyone still under observation
(``T_j >= t``) plus everyone who had the competing event before t, the latter weighted by
``G(t-) / G(T_j-)`` with G the Kaplan-Meier curve of censoring (Fine & Gray 1999). The weight
factorises, so the weighted risk-set sums are ``G(t-)`` times prefix sums over the competing events:
O(n log n + n p^2) per Newton step, no expanded data set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats as _st

from ._errors import MonotoneLikelihoodError, StatsError
from ._result import Result
from ._surv_cox import CoxData
from ._surv_utils import censoring_survival
from .competing import check_competing
from .coxph import _design, newton

__all__ = ["FineGrayResult", "fine_gray"]


class _FineGrayData(CoxData):
    def __init__(self, t: np.ndarray, s: np.ndarray, x: np.ndarray, efron: bool) -> None:
        super().__init__(t, (s == 1).astype(np.int8), x, efron)
        g_minus = censoring_survival(t, (s != 0).astype(np.int8))[self.order]
        self.gt = g_minus[self.death_idx][self.gstart]  # G(t-) at each event time of interest
        ss = s[self.order]
        self.comp = np.flatnonzero(ss == 2)  # competing events, in time order
        self.comp_w = 1.0 / g_minus[self.comp]
        # number of competing events strictly before each event time
        self.k_before = np.searchsorted(self.time[self.comp], self.etimes, side="left")
        # for each competing event, the first event-time group strictly after it
        self.g_after = np.searchsorted(self.etimes, self.time[self.comp], side="right")

    def evaluate(self, beta: np.ndarray, *, gtime: np.ndarray | None = None) -> dict:
        if gtime is not None:  # pragma: no cover - not offered
            raise StatsError("the proportional-hazards test is not available for a Fine-Gray model")
        x, g, di = self.x, self.dgrp, self.death_idx
        eta = x @ beta
        c = float(eta.max())
        r = np.exp(eta - c)
        rc = r[self.comp] * self.comp_w
        xc = x[self.comp]
        p0 = np.concatenate(([0.0], np.cumsum(rc)))[self.k_before]
        p1 = np.vstack((np.zeros((1, self.p)), np.cumsum(rc[:, None] * xc, axis=0)))[self.k_before]
        s0 = self._rev_at_first(r) + self.gt * p0
        s1 = self._rev_at_first(r[:, None] * x) + self.gt[:, None] * p1
        rd = r[di]
        a0 = np.add.reduceat(rd, self.gstart)
        a1 = np.add.reduceat(rd[:, None] * x[di], self.gstart, axis=0)
        f = self.f
        den = s0[g] - f * a0[g]
        m = (s1[g] - f[:, None] * a1[g]) / den[:, None]
        loglik = float(eta[di].sum() - c * di.size - np.log(den).sum())
        h0 = np.bincount(g, weights=1.0 / den, minlength=self.n_groups)
        h1 = np.bincount(g, weights=f / den, minlength=self.n_groups)
        hg = np.concatenate((np.cumsum((h0 * self.gt)[::-1])[::-1], [0.0]))[self.g_after]
        info = (self._gram(r, h0) + (xc * (rc * hg)[:, None]).T @ xc
                - self._gram_deaths(rd, h1) - m.T @ m)
        return {"loglik": loglik, "score": self.xd_sum - m.sum(axis=0), "info": info}


@dataclass(frozen=True, eq=False)
class FineGrayResult(Result):
    """Fine-Gray fit: subdistribution hazard ratios of the event of interest (status 1).

    Attributes
    ----------
    terms : tuple of str
    coef, se, z, p : ndarray
        Coefficients (log subdistribution HRs), model-based SEs (``naive.var``), Wald z and p.
    shr, shr_ci_low, shr_ci_high : ndarray
        Subdistribution hazard ratios with Wald limits.
    loglik, loglik_null : float
    n, n_events, n_competing : int
    ties : str
    ci : float
    """

    terms: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray
    z: np.ndarray
    p: np.ndarray
    shr: np.ndarray
    shr_ci_low: np.ndarray
    shr_ci_high: np.ndarray
    loglik: float
    loglik_null: float
    n: int
    n_events: int
    n_competing: int
    ties: str
    ci: float


def fine_gray(
    time: Any,
    status: Any,
    covariates: Any,
    *,
    ties: Literal["efron", "breslow"] = "efron",
    ci: float = 0.95,
) -> FineGrayResult:
    """Fine-Gray subdistribution hazards regression (status 0 censored / 1 event / 2 competing).

    Parameters
    ----------
    time : array-like
        Follow-up times (> 0).
    status : array-like
        0 = censored, 1 = event of interest, 2 = competing event.
    covariates : array-like, DataFrame or dict of arrays
        As in :func:`biomark.stats.cox`.
    ties : {"efron", "breslow"}
    ci : float

    Returns
    -------
    FineGrayResult

    References
    ----------
    Fine JP, Gray RJ (1999). A proportional hazards model for the subdistribution of a competing
    risk. JASA 94:496-509; Therneau T, Crowson C, Atkinson E. "Multi-state models and competing
    risks", vignette of R package survival 3.5. R: ``fg <- finegray(Surv(time, status) ~ ., data,
    etype = "event"); coxph(Surv(fgstart, fgstop, fgstatus) ~ x, weights = fgwt, data = fg)``.

    Examples
    --------
    >>> fit = fine_gray([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 1, 0, 1, 2, 1, 0], {"x": [1, 3, 0, 2, 2, 1, 0, 3]})
    >>> fit.n_events, fit.n_competing, bool(fit.coef[0] < 0)
    (4, 2, True)
    """
    if ties not in ("efron", "breslow"):
        raise StatsError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    if not 0 < ci < 1:
        raise StatsError(f"ci must be in (0, 1), got {ci!r}")
    t, s = check_competing(time, status)
    if not (s == 1).any():
        raise StatsError("no events of interest (status 1): the Fine-Gray model is undefined")
    x, names = _design(covariates, t.shape[0])
    data = _FineGrayData(t, s, x, ties == "efron")
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        res = newton(data)
    if res.monotone is not None:
        j = res.monotone
        raise MonotoneLikelihoodError(f"monotone likelihood for covariate {names[j]!r} in the Fine-Gray model: "
                                      "no finite subdistribution hazard ratio exists", term=j,
                                      sign=1 if res.beta[j] > 0 else -1)
    beta = res.beta
    se = np.sqrt(np.diag(np.linalg.inv(res.fit["info"])))
    q = float(_st.norm.ppf(0.5 + ci / 2.0))
    return FineGrayResult(
        terms=names, coef=beta, se=se, z=beta / se, p=2.0 * _st.norm.sf(np.abs(beta / se)), shr=np.exp(beta),
        shr_ci_low=np.exp(beta - q * se), shr_ci_high=np.exp(beta + q * se), loglik=res.fit["loglik"],
        loglik_null=res.fit0["loglik"], n=int(t.shape[0]), n_events=int((s == 1).sum()),
        n_competing=int((s == 2).sum()), ties=ties, ci=ci,
    )
