"""Random-effects meta-analysis (DerSimonian & Laird 1986).

Given per-cohort estimates :math:`y_i` with variances :math:`v_i`:

* fixed-effect weights :math:`w_i = 1/v_i`, :math:`\\bar y_F = \\sum w_i y_i / \\sum w_i`;
* Cochran's :math:`Q = \\sum w_i (y_i - \\bar y_F)^2` on :math:`k-1` df;
* :math:`\\tau^2 = \\max(0, (Q - (k-1)) / (\\sum w_i - \\sum w_i^2 / \\sum w_i))`;
* random-effects weights :math:`w_i^* = 1/(v_i + \\tau^2)`, pooled :math:`\\hat\\mu` and
  :math:`\\mathrm{SE} = (\\sum w_i^*)^{-1/2}`;
* :math:`I^2 = \\max(0, (Q - (k-1))/Q)` (Higgins & Thompson 2002).

These are the definitions of R's ``metafor::rma(method = "DL")``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from ._errors import StatsError
from ._result import Result


@dataclass(frozen=True)
class MetaResult(Result):
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    z: float
    p: float
    tau2: float
    q: float
    q_df: int
    q_p: float
    i2: float
    k: int
    scale: str  # "identity", "logit" or "log"; estimate and CI are back-transformed


def dersimonian_laird(estimates, variances, *, ci: float = 0.95, scale: str = "identity") -> MetaResult:
    """Pool per-cohort estimates by DerSimonian–Laird random effects.

    Parameters
    ----------
    estimates, variances
        Per-cohort estimates on the analysis scale and their sampling variances.
    scale
        Only labels the result and back-transforms estimate/CI: ``"identity"`` (none), ``"logit"``
        (AUC pooled on the logit scale), ``"log"`` (hazard ratios pooled as log-HR).

    Examples
    --------
    >>> r = dersimonian_laird([0.2, 0.5, 0.35], [0.01, 0.02, 0.015])
    >>> round(r.estimate, 4), round(r.tau2, 4), r.k
    (0.328, 0.0081, 3)
    """
    y = np.asarray(estimates, dtype=float)
    v = np.asarray(variances, dtype=float)
    if y.ndim != 1 or y.shape != v.shape:
        raise StatsError("estimates and variances must be 1-D arrays of the same length")
    if y.size < 2:
        raise StatsError("a meta-analysis needs at least 2 cohorts")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(v))):
        raise StatsError("estimates and variances must be finite")
    if np.any(v <= 0):
        raise StatsError("variances must be positive")
    k = y.size
    w = 1.0 / v
    y_f = np.sum(w * y) / np.sum(w)
    q = float(np.sum(w * (y - y_f) ** 2))
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    tau2 = max(0.0, (q - (k - 1)) / c)
    ws = 1.0 / (v + tau2)
    mu = float(np.sum(ws * y) / np.sum(ws))
    se = float(np.sqrt(1.0 / np.sum(ws)))
    zc = sps.norm.ppf(0.5 + ci / 2)
    lo, hi = mu - zc * se, mu + zc * se
    z = mu / se
    p = float(2 * sps.norm.sf(abs(z)))
    i2 = max(0.0, (q - (k - 1)) / q) if q > 0 else 0.0
    back = {"identity": lambda t: t, "logit": lambda t: 1 / (1 + np.exp(-t)), "log": np.exp}
    if scale not in back:
        raise StatsError(f"scale must be identity, logit or log, not {scale!r}")
    f = back[scale]
    return MetaResult(
        estimate=float(f(mu)), se=se, ci_low=float(f(lo)), ci_high=float(f(hi)), z=float(z), p=p,
        tau2=float(tau2), q=q, q_df=k - 1, q_p=float(sps.chi2.sf(q, k - 1)), i2=float(i2), k=k, scale=scale,
    )


def pool_auc(aucs, ses, *, ci: float = 0.95) -> MetaResult:
    """Pool AUCs on the logit scale; the delta-method SE of logit(AUC) is se / (AUC (1 − AUC)).

    Examples
    --------
    >>> r = pool_auc([0.70, 0.78, 0.74], [0.04, 0.05, 0.03])
    >>> round(r.estimate, 4), r.scale
    (0.733, 'logit')
    """
    a = np.asarray(aucs, dtype=float)
    s = np.asarray(ses, dtype=float)
    if np.any((a <= 0) | (a >= 1)):
        raise StatsError("AUCs of exactly 0 or 1 cannot be pooled on the logit scale")
    return dersimonian_laird(np.log(a / (1 - a)), (s / (a * (1 - a))) ** 2, ci=ci, scale="logit")


def pool_log_hr(log_hrs, ses, *, ci: float = 0.95) -> MetaResult:
    """Pool log hazard ratios; the result's estimate and CI are hazard ratios.

    Examples
    --------
    >>> import math
    >>> r = pool_log_hr([math.log(1.5), math.log(1.8)], [0.2, 0.25])
    >>> round(r.estimate, 4), r.scale
    (1.6106, 'log')
    """
    s = np.asarray(ses, dtype=float)
    return dersimonian_laird(log_hrs, s**2, ci=ci, scale="log")
