"""Paired comparison of two C-indices on the same subjects, with the variance of the difference from
the infinitesimal jackknife, as R's ``concordance(fit1, fit2)``, and the stratified C-index, as
``concordance(y ~ x + strata(g))`` (survival 3.5.3)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import special

from ._errors import StatsError
from ._result import Result
from ._surv_utils import as_float_1d, check_same_length, check_survival
from .concordance import ConcordanceResult, _check_tau, _concordance, _jackknife, _roles
from .survdiff import _codes

__all__ = ["ConcordanceComparison", "concordance_compare", "concordance_stratified"]


@dataclass(frozen=True, eq=False)
class ConcordanceComparison(Result):
    """Two C-indices of the same subjects and the test of their difference.

    Attributes
    ----------
    c_a, c_b : float
        The two C-indices. vcov : ndarray
        Their 2 x 2 covariance matrix (``concordance(fit1, fit2)$var``).
    diff, se, z, p : float
        ``c_a - c_b``, ``sqrt(v_aa + v_bb - 2 v_ab)``, ``diff / se`` and the two-sided normal p.
    ci_low, ci_high : float
        Normal interval of the difference. method : str
    tau : float or None
    ci : float
    """

    c_a: float
    c_b: float
    vcov: np.ndarray
    diff: float
    se: float
    z: float
    p: float
    ci_low: float
    ci_high: float
    method: str
    tau: float | None
    ci: float


def concordance_compare(
    time: Any,
    event: Any,
    risk_a: Any,
    risk_b: Any,
    *,
    method: Literal["harrell", "uno"] = "harrell",
    tau: float | None = None,
    ci: float = 0.95,
) -> ConcordanceComparison:
    """Compare the C-indices of two risk scores on the same subjects (paired).

    Parameters
    ----------
    time, event : array-like
        Follow-up times (> 0) and event indicators.
    risk_a, risk_b : array-like
        Two risk scores (higher = shorter survival) of the same subjects, in the same order.
    method : {"harrell", "uno"}
        As in :func:`biomark.stats.concordance`.
    tau : float, optional
        Truncation time (R's ``ymax``).
    ci : float
        Level of the interval of the difference.

    Returns
    -------
    ConcordanceComparison

    Notes
    -----
    With dfbeta_k^a and dfbeta_k^b the infinitesimal-jackknife influence of observation k on the
    Somers' d of each score, ``cov(C_a, C_b) = sum_k dfbeta_k^a dfbeta_k^b / 4`` (the same sum that
    gives each variance).

    References
    ----------
    Therneau T, Atkinson E. "The concordance statistic", vignette of R package survival 3.5, sec. on
    comparing models. R: ``concordance(coxph(...x1), coxph(...x2), timewt = , ymax = )``.

    Examples
    --------
    >>> r = concordance_compare([5, 8, 3, 9, 12, 2, 7, 4], [1, 1, 0, 1, 0, 1, 1, 1],
    ...                         [0.4, 0.1, 0.6, 0.3, 0.2, 0.9, 0.2, 0.5], [1, 2, 3, 4, 5, 6, 7, 8])
    >>> round(r.c_a, 4), round(r.c_b, 4)
    (0.8409, 0.5909)
    """
    if not 0 < ci < 1:
        raise StatsError(f"ci must be in (0, 1), got {ci!r}")
    t, e, xa = check_survival(time, event, risk_a, "risk_a")
    xb = as_float_1d(risk_b, "risk_b")
    check_same_length(t.shape[0], xb, "risk_b")
    ra, da = _concordance(t, e, xa, method, tau)
    rb, db = _concordance(t, e, xb, method, tau)
    vcov = np.array([[da @ da, da @ db], [da @ db, db @ db]]) / 4.0
    var = float(vcov[0, 0] + vcov[1, 1] - 2.0 * vcov[0, 1])
    if not var > 0:
        raise StatsError("the two scores order every comparable pair the same way: the variance of the difference is 0")
    se = math.sqrt(var)
    diff = ra.c - rb.c
    q = float(special.ndtri(0.5 + ci / 2.0))
    return ConcordanceComparison(c_a=ra.c, c_b=rb.c, vcov=vcov, diff=diff, se=se, z=diff / se,
                                 p=float(2.0 * special.ndtr(-abs(diff / se))), ci_low=diff - q * se,
                                 ci_high=diff + q * se, method=method, tau=None if tau is None else float(tau), ci=ci)


def concordance_stratified(
    time: Any,
    event: Any,
    risk: Any,
    strata: Any,
    *,
    method: Literal["harrell", "uno"] = "harrell",
    tau: float | None = None,
) -> ConcordanceResult:
    """C-index over pairs within strata only (e.g. within centres), with its IJ standard error.

    Parameters
    ----------
    time, event, risk, method, tau
        As in :func:`biomark.stats.concordance`; Uno's censoring weights are estimated per stratum.
    strata : array-like
        Stratum of each subject.

    Returns
    -------
    ConcordanceResult

    Notes
    -----
    The pair counts of every stratum are added; C and the infinitesimal-jackknife variance are those
    of the pooled counts, as ``survival::concordance(... + strata(g))``.

    References
    ----------
    Therneau T, Atkinson E. "The concordance statistic", vignette of R package survival 3.5. R:
    ``concordance(Surv(time, event) ~ x + strata(g), reverse = TRUE, timewt = "n" / "n/G2")``.

    Examples
    --------
    >>> r = concordance_stratified([5, 8, 3, 9, 12, 2, 7, 4], [1, 1, 0, 1, 0, 1, 1, 1],
    ...                            [0.4, 0.1, 0.6, 0.3, 0.2, 0.9, 0.2, 0.5], [0, 0, 0, 0, 1, 1, 1, 1])
    >>> round(r.c, 4)
    0.8333
    """
    t, e, x = check_survival(time, event, risk, "risk")
    _check_tau(tau, t)
    _, si = _codes(strata, t.shape[0], "strata")
    roles: dict[str, np.ndarray] = {}
    tied = 0.0
    for j in range(int(si.max()) + 1):
        m = si == j
        if not e[m].any():
            continue
        part, tj, order = _roles(t[m], e[m], x[m], method, None if tau is None else min(tau, float(t[m].max())))
        tied += tj
        idx = np.flatnonzero(m)[order]
        for k, v in part.items():
            roles.setdefault(k, np.zeros(t.shape[0]))[idx] = v
    if not roles:
        raise StatsError("no events in any stratum: the concordance is undefined")
    return _jackknife(roles, method, tied, int(t.shape[0]), int(e.sum()))[0]
