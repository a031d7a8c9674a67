"""Firth-penalised Cox regression for monotone likelihood (Heinze & Schemper 2001).

Maximises ``l*(beta) = l(beta) + 0.5 log det I(beta)`` (Jeffreys-prior penalty; Firth 1993), with
``l`` and ``I`` the Cox log partial likelihood and information of :mod:`._surv_cox` (Breslow ties by
default, as coxphf; Efron optional). The penalised estimate is finite even when a covariate separates
the event times (where :func:`biomark.stats.cox` raises MonotoneLikelihoodError). Checked against a
hand-written R implementation (tests/data/R/parity_firth.R: survival's own l and I, optim), since
coxphf is not packaged in Debian.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import optimize
from scipy import stats as _st

from ._errors import StatsError
from ._firth_profile import Profile
from ._result import Result
from ._surv_cox import CoxData
from ._surv_utils import check_time_event
from .coxph import _design

__all__ = ["FirthCoxResult", "cox_firth"]


@dataclass(frozen=True, eq=False)
class FirthCoxResult(Result):
    """Firth-penalised Cox fit.

    Attributes
    ----------
    terms : tuple of str
    coef, se, z, p : ndarray
        Penalised estimates; SEs ``sqrt(diag(I(beta*)^-1))`` (the information at the penalised
        estimate); Wald z and p.
    hr, hr_ci_low, hr_ci_high : ndarray
        Hazard ratios with their limits: profile penalised likelihood (``ci_method="profile"``, the
        default, coxphf's) or Wald ``exp(beta -/+ z se)``; an infinite limit where the profile stays
        within the criterion for 100 SEs.
    coef_ci_low, coef_ci_high : ndarray
        The same limits on the log-HR scale.
    plr, plr_p : ndarray
        Per coefficient, the penalised likelihood-ratio statistic ``2 (l*(beta_hat) - max l*(beta_j = 0))``
        on 1 df and its p value (coxphf's ``prob`` with ``pl = TRUE``; ``p`` is the Wald one).
    ci_method : str
    loglik_penalised, loglik_penalised_null : float
        ``l*`` at the estimate and at 0.
    lrt, lrt_p : float
        Penalised likelihood-ratio test of all coefficients = 0, on ``len(terms)`` df.
    n, n_events : int
    ties : str
    ci : float
    """

    terms: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray
    z: np.ndarray
    p: np.ndarray
    hr: np.ndarray
    hr_ci_low: np.ndarray
    hr_ci_high: np.ndarray
    loglik_penalised: float
    loglik_penalised_null: float
    lrt: float
    lrt_p: float
    n: int
    n_events: int
    ties: str
    ci: float
    coef_ci_low: np.ndarray
    coef_ci_high: np.ndarray
    plr: np.ndarray
    plr_p: np.ndarray
    ci_method: str = "profile"


def _penalised(data: CoxData, beta: np.ndarray) -> float:
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        out = data.evaluate(beta)
    sign, logdet = np.linalg.slogdet(out["info"])
    if sign <= 0 or not np.isfinite(out["loglik"]):
        return -np.inf
    return float(out["loglik"] + 0.5 * logdet)


def cox_firth(
    time: Any,
    event: Any,
    covariates: Any,
    *,
    ties: Literal["breslow", "efron"] = "breslow",
    ci: float = 0.95,
    ci_method: Literal["profile", "wald"] = "profile",
) -> FirthCoxResult:
    r"""Cox regression with Firth's penalty, finite under monotone likelihood.

    Parameters
    ----------
    time, event, covariates
        As in :func:`biomark.stats.cox`.
    ties : {"breslow", "efron"}
        Breslow by default, as R's coxphf.
    ci : float
        Level of the intervals of the hazard ratios.
    ci_method : {"profile", "wald"}
        Profile penalised-likelihood limits (default, as coxphf's ``pl = TRUE``): the two values of
        ``beta_j`` where ``2 (l*(beta_hat) - max_{others} l*(beta_j)) = chi2_1(ci)``; or Wald limits
        ``beta -/+ z se``.

    Returns
    -------
    FirthCoxResult

    Notes
    -----
    :math:`\ell^*(\beta) = \ell(\beta) + \tfrac12 \log\det I(\beta)`, maximised by BFGS and polished
    by Nelder-Mead (relative tolerance 1e-14 in :math:`\ell^*`). The profile (:mod:`._firth_profile`)
    maximises over the other coefficients at each trial ``beta_j`` (Brent for one other, else BFGS);
    the limits are found by Brent's root finder to 1e-12.

    References
    ----------
    Firth D (1993). Bias reduction of maximum likelihood estimates. Biometrika 80:27-38; Heinze G,
    Schemper M (2001). A solution to the problem of monotone likelihood in Cox regression.
    Biometrics 57:114-119. R: ``coxphf::coxphf(Surv(time, event) ~ x)`` (``pl = FALSE`` for Wald).

    Examples
    --------
    >>> fit = cox_firth([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 1, 0, 0, 1, 0, 0], {"x": [1, 1, 1, 1, 0, 0, 0, 0]})
    >>> bool(np.isfinite(fit.coef[0]) and fit.coef[0] > 0)
    True
    >>> bool(fit.hr_ci_low[0] < fit.hr[0] < fit.hr_ci_high[0]), fit.ci_method
    (True, 'profile')
    """
    if ties not in ("efron", "breslow"):
        raise StatsError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    if not 0 < ci < 1:
        raise StatsError(f"ci must be in (0, 1), got {ci!r}")
    if ci_method not in ("profile", "wald"):
        raise StatsError(f"ci_method must be 'profile' or 'wald', got {ci_method!r}")
    t, e = check_time_event(time, event)
    x, names = _design(covariates, t.shape[0])
    if x.shape[1] > 1 and np.linalg.matrix_rank(x - x.mean(axis=0)) < x.shape[1]:
        raise StatsError(f"covariates {list(names)} are collinear; drop the redundant ones")
    data = CoxData(t, e, x, efron=(ties == "efron"))
    p0 = _penalised(data, np.zeros(data.p))
    if not np.isfinite(p0):
        raise StatsError("the Cox information is singular at 0: a covariate is constant over the risk sets")

    def neg(b: np.ndarray) -> float:
        v = _penalised(data, b)
        return 1e300 if not np.isfinite(v) else -v

    first = optimize.minimize(neg, np.zeros(data.p), method="BFGS", options={"gtol": 1e-10, "maxiter": 2000})
    best = optimize.minimize(neg, first.x, method="Nelder-Mead",
                             options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20000, "maxfev": 40000})
    beta = best.x if best.fun <= first.fun else first.x
    info = data.evaluate(beta)["info"]
    se = np.sqrt(np.diag(np.linalg.inv(info)))
    q = float(_st.norm.ppf(0.5 + ci / 2.0))
    pen = -float(min(best.fun, first.fun))
    lrt = 2.0 * (pen - p0)
    prof = Profile(neg, beta, se)
    plr = np.array([prof.plr(j, pen) for j in range(data.p)])
    if ci_method == "profile":
        crit = float(_st.chi2.ppf(ci, 1))
        lo = np.array([prof.limit(j, pen, crit, -1) for j in range(data.p)])
        hi = np.array([prof.limit(j, pen, crit, +1) for j in range(data.p)])
    else:
        lo, hi = beta - q * se, beta + q * se
    return FirthCoxResult(
        terms=names, coef=beta, se=se, z=beta / se, p=2.0 * _st.norm.sf(np.abs(beta / se)), hr=np.exp(beta),
        hr_ci_low=np.exp(lo), hr_ci_high=np.exp(hi), loglik_penalised=pen,
        loglik_penalised_null=p0, lrt=lrt, lrt_p=float(_st.chi2.sf(lrt, data.p)),
        n=int(t.shape[0]), n_events=int(e.sum()), ties=ties, ci=ci, coef_ci_low=lo, coef_ci_high=hi,
        plr=plr, plr_p=_st.chi2.sf(plr, 1), ci_method=ci_method,
    )
